"""A live MP3 stream paced in real time by a small threaded socket server on loopback: the
base of the servers Icecast is not (tests/support/shoutcast.py, chunked_stream.py,
id3_stream.py).

The audio is a rising tone (tests/support/icecast.py rising_tone_hz: the heard frequency
tells the moment) that ffmpeg makes once, LOOP_S long, played in a loop as a station plays:
byte N of the loop goes on the air at `N / byte_rate` seconds after start. A listener gets
the live bytes from BURST_S before the moment it connected, then each byte as it goes on
the air; it joins mid-frame, as from a real server. What a listener is answered (status
line, headers, framing of the bytes) is the subclass's `listener()`.

socketserver's ThreadingTCPServer runs one thread per listener; close() stops the pacing
loops, then shuts the server down and joins every thread (block_on_close).
"""

from __future__ import annotations

import atexit
import socket
import socketserver
import subprocess
import sys
import threading
import time
from types import TracebackType
from typing import Protocol

from tests.support.icecast import RISE_STEP_S, RISE_STEPS, rising_source

LOOP_S = RISE_STEP_S * RISE_STEPS  # one whole rise of the tone, then from the base again
BURST_S = 1.0  # audio a new listener gets at once, from before the moment it connected
TICK_S = 0.05  # how often the bytes that went on the air are sent
MAX_HEADERS = 64


def rising_mp3(base_hz: int, kbps: int = 128, seconds: float = LOOP_S) -> bytes:
    """`seconds` of the rising tone from `base_hz`, CBR MP3 at 44.1 kHz, stereo: whole frames
    with no ID3 tag and no Xing frame, so the loop is frames end to end."""
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
           "-f", "lavfi", "-i", rising_source(base_hz), "-t", str(seconds), "-ac", "2",
           "-c:a", "libmp3lame", "-b:a", f"{kbps}k", "-write_xing", "0", "-id3v2_version", "0",
           "-f", "mp3", "pipe:1"]
    return subprocess.run(cmd, check=True, capture_output=True, timeout=60).stdout


class Listener(Protocol):
    """One connection's answer: its head (status line, headers, maybe more), then each run
    of audio bytes as it goes out (ICY metadata inserted, chunk framing, ...)."""

    def head(self) -> bytes: ...

    def wrap(self, audio: bytes) -> bytes: ...


class _TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = False
    block_on_close = True  # server_close() joins the listeners' threads
    owner: PacedStreamServer

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a listener that left is not an error
            super().handle_error(request, client_address)


class _Handler(socketserver.BaseRequestHandler):
    server: _TcpServer

    def handle(self) -> None:
        self.server.owner.serve(self.request)


class PacedStreamServer:
    """A live stream at `path` on 127.0.0.1 (a free port); subclasses say how it is answered."""

    path = "/stream"

    def __init__(self, base_hz: int, *, kbps: int = 128) -> None:
        self.base_hz = base_hz
        self.audio = rising_mp3(base_hz, kbps)
        self.byte_rate = kbps * 1000 / 8
        self.started = 0.0  # time.time() when the loop went on the air (rising_tone_hz)
        self.connections = 0  # listeners answered so far
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _TcpServer | None = None
        self._thread: threading.Thread | None = None
        self._t0 = 0.0

    def listener(self, request_line: str, headers: dict[str, str]) -> Listener:
        raise NotImplementedError

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> PacedStreamServer:
        server = _TcpServer(("127.0.0.1", 0), _Handler)
        server.owner = self
        self._server = server
        self._t0, self.started = time.monotonic(), time.time()
        self._thread = threading.Thread(target=server.serve_forever, args=(TICK_S,),
                                        name=f"{type(self).__name__}", daemon=True)
        self._thread.start()
        atexit.register(self.close)
        return self

    def close(self) -> None:
        """Stop every listener's loop, then the server; join all their threads (idempotent)."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        atexit.unregister(self.close)

    def __enter__(self) -> PacedStreamServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    # -- one listener (on its own thread) --------------------------------------------------
    def serve(self, sock: socket.socket) -> None:
        sock.settimeout(5)
        with sock.makefile("rb") as rfile:
            request_line = rfile.readline(4096).decode("latin-1").strip()
            headers: dict[str, str] = {}
            for _ in range(MAX_HEADERS):
                line = rfile.readline(4096).decode("latin-1").strip()
                if not line:
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        parts = request_line.split()
        if len(parts) != 3 or parts[0] != "GET" or parts[1] != self.path:
            sock.sendall(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        with self._lock:
            self.connections += 1
        listener = self.listener(request_line, headers)
        sock.sendall(listener.head())
        sent = max(0, self._on_air() - int(BURST_S * self.byte_rate))
        while not self._stopping.is_set():
            live = self._on_air()
            if live > sent:
                sock.sendall(listener.wrap(self._looped(sent, live)))
                sent = live
            self._stopping.wait(TICK_S)

    def _on_air(self) -> int:
        """Bytes that went on the air since start."""
        return int((time.monotonic() - self._t0) * self.byte_rate)

    def _looped(self, start: int, end: int) -> bytes:
        """Bytes start..end of the endless loop of the audio."""
        n = len(self.audio)
        out = bytearray()
        while start < end:
            at = start % n
            take = min(end - start, n - at)
            out += self.audio[at:at + take]
            start += take
        return bytes(out)
