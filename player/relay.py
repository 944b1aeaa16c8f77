"""The loopback relay: libvlc plays a held stream from any moment as a plain HTTP stream.

Measured (bench/catchup_open.py; STYLE.md): libvlc opening `icyx://127.0.0.1:PORT/...`
hears ADTS AAC and MP3 about as soon as opening the station directly, where media callbacks
took seconds for AAC. So the player gives libvlc `url_for(reader, at)`, and this server
streams the buffer's whole frames from that moment, as fast as libvlc reads them (TCP flow
control paces it; libvlc's clock plays them in real time), with the stream's Content-Type
and no ICY metadata. Each answer has its own thread and Cursor.

Only 127.0.0.1, and only the unguessable tokens url_for handed out, are served. The gate
(player/relay_gate.py) accepts, reads each request head with a deadline and checks its token
before anything else; it caps waiting connections and answers, and drops a client that stops
reading.
"""

from __future__ import annotations

import io
import logging
import secrets
import socket
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from player.frames import CONTENT_TYPES
from player.libvlc_urls import add_own_prefix, remove_own_prefix
from player.relay_gate import Gate, Limits, client_gone
from player.stream_reader import StreamReader

READY_WAIT_S = 5.0
CHUNK = 32768
_CONTENT_TYPES = CONTENT_TYPES  # by codec; Ogg streams begin with their header pages (Cursor)
_log = logging.getLogger(__name__)


def live_moment(reader: StreamReader) -> float:
    """The moment a direct player would play now: the live edge less the join burst."""
    buffer = reader.buffer
    return max(buffer.start, buffer.end - reader.joined_lag_s)


class Relay:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits  # the gate's caps and timeouts (None: relay_gate's defaults)
        self._readers: dict[str, StreamReader] = {}
        self._lock = threading.Lock()
        self._gate: Gate | None = None  # accepts, reads heads, checks tokens (relay_gate.py)
        self.closing = threading.Event()  # answers being sent end

    @property
    def port(self) -> int:
        return self._gate.port if self._gate is not None else 0

    def start(self) -> None:
        if self._gate is not None:
            return
        relay = self

        class Handler(_Handler):
            owner = relay

        self._gate = Gate(self.known, Handler, self.limits)
        self._gate.start()
        add_own_prefix(f"http://127.0.0.1:{self.port}/")  # libvlc gets its URLs unchecked

    def url_for(self, reader: StreamReader, at: float | None = None) -> str:
        """The URL that plays `reader`'s stream from moment `at` (None: live)."""
        if self._gate is None:
            raise RuntimeError("Relay.start() first")
        with self._lock:
            token = next((k for k, r in self._readers.items() if r is reader), None)
            if token is None:
                token = secrets.token_urlsafe(12)
                self._readers[token] = reader
        query = "" if at is None else f"?at={at:.3f}"
        return f"http://127.0.0.1:{self.port}/{token}{query}"

    def forget(self, reader: StreamReader) -> None:
        """Stop serving `reader` to new requests (its URLs answer 404)."""
        with self._lock:
            for token in [k for k, r in self._readers.items() if r is reader]:
                del self._readers[token]

    def reader(self, token: str) -> StreamReader | None:
        with self._lock:
            return self._readers.get(token)

    def known(self, token: str) -> bool:
        """Whether `token` was handed out and not forgotten (all the gate asks first)."""
        with self._lock:
            return token in self._readers

    @property
    def streams(self) -> int:
        """Answers being sent now."""
        return self._gate.streams if self._gate is not None else 0

    def close(self) -> None:
        if self._gate is None:
            return
        self.closing.set()
        remove_own_prefix(f"http://127.0.0.1:{self.port}/")
        self._gate.close()
        self._gate = None
        with self._lock:
            self._readers.clear()


class _Handler(BaseHTTPRequestHandler):
    """One answer, on its own thread, for a head the gate has read and whose token it knew."""

    owner: Relay
    protocol_version = "HTTP/1.0"

    def __init__(self, sock: socket.socket, head: bytes) -> None:
        self._head = head
        super().__init__(sock, ("127.0.0.1", 0), None)  # type: ignore[arg-type]

    def setup(self) -> None:
        self.connection = self.request
        self.rfile = io.BytesIO(self._head)  # read already, by the gate
        self.wfile = _SendAll(self.connection)  # the gate set a send timeout

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        _log.debug("relay: " + format, *args)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        parts = urlsplit(self.path)
        reader = self.owner.reader(parts.path.lstrip("/"))
        if reader is None:
            self._refuse(404)
            return
        if not reader.wait_ready(READY_WAIT_S) or reader.buffer is None:
            self._refuse(502, reader.error or "the stream is not held")
            return
        at = _moment(parse_qs(parts.query).get("at", [""])[0])
        buffer = reader.buffer
        cursor = buffer.cursor(live_moment(reader), containing=True) if at is None \
            else buffer.cursor(at)
        self.send_response(200)
        self.send_header("Content-Type", _CONTENT_TYPES.get(reader.codec or "", "audio/mpeg"))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            while not cursor.closed and not self.owner.closing.is_set():
                data = cursor.read(CHUNK, timeout=0.5)
                if data:
                    self.wfile.write(data)
                    self.wfile.flush()
                elif reader.ended and cursor.position >= buffer.end:
                    break  # the reader failed or stopped and all it held was sent
                elif client_gone(self.connection):
                    break  # libvlc let go while nothing came (an outage): free the slot
        except OSError:
            return  # libvlc closed the connection (a stop, a seek, a switch)

    def _refuse(self, code: int, why: str | None = None) -> None:
        """An error answer; libvlc may have given up on the request meanwhile (an outage's
        probe): a closed socket is no error of ours."""
        try:
            self.send_error(code, why)
        except OSError:
            pass


class _SendAll(io.RawIOBase):
    """The answer's socket as an unbuffered file whose write sends all or raises (OSError,
    TimeoutError past the send timeout), as socketserver's own writer does."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._sock.sendall(data)
        return len(data)


def _moment(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
