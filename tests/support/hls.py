"""A real HLS live stream on loopback: ffmpeg writes a sliding playlist of 1-second AAC
segments of a tone into a temp folder, and a stdlib HTTP server serves the folder. For the
streams the catch-up reader cannot hold (libvlc plays them with its own access)::

    with HlsStream(freq_hz=700) as hls:
        print(hls.url)  # http://127.0.0.1:PORT/live.m3u8
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.processes import stop_process


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
        pass


class HlsStream:
    def __init__(self, freq_hz: int = 700) -> None:
        self.freq_hz = freq_hz
        self.root = Path(tempfile.mkdtemp(prefix="onair-hls-"))
        self._ffmpeg: subprocess.Popen[bytes] | None = None
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/live.m3u8"

    def __enter__(self) -> HlsStream:
        self._ffmpeg = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi",
             "-i", f"sine=frequency={self.freq_hz}:sample_rate=44100", "-ac", "2",
             "-c:a", "aac", "-b:a", "64k", "-f", "hls", "-hls_time", "1",
             "-hls_list_size", "6", "-hls_flags", "delete_segments",
             str(self.root / "live.m3u8")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        handler = functools.partial(_Quiet, directory=str(self.root))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        deadline = time.monotonic() + 15
        while len(list(self.root.glob("*.ts"))) < 3:  # a few segments: a player can start
            if self._ffmpeg.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("ffmpeg wrote no HLS segments")
            time.sleep(0.1)
        return self

    def __exit__(self, *_exc: object) -> None:
        stop_process(self._ffmpeg)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        shutil.rmtree(self.root, ignore_errors=True)
