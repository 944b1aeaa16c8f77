"""The loopback relay: libvlc plays a held stream from any moment as a plain HTTP stream.

Measured (bench/catchup_open.py; STYLE.md): libvlc opening `icyx://127.0.0.1:PORT/...`
hears ADTS AAC and MP3 about as soon as opening the station directly, where media callbacks
took seconds for AAC. So the player gives libvlc `url_for(reader, at)`, and this server
streams the buffer's whole frames from that moment, as fast as libvlc reads them (TCP flow
control paces it; libvlc's clock plays them in real time), with the stream's Content-Type
and no ICY metadata. Each answer has its own thread and Cursor.

Only 127.0.0.1, and only the unguessable tokens url_for handed out, are served.
"""

from __future__ import annotations

import logging
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from player.stream_reader import StreamReader

READY_WAIT_S = 5.0
CHUNK = 32768
_CONTENT_TYPES = {"mp3": "audio/mpeg", "aac": "audio/aac"}
_log = logging.getLogger(__name__)


def live_moment(reader: StreamReader) -> float:
    """The moment a direct player would play now: the live edge less the join burst."""
    buffer = reader.buffer
    return max(buffer.start, buffer.end - reader.joined_lag_s)


class Relay:
    def __init__(self) -> None:
        self._readers: dict[str, StreamReader] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.closing = threading.Event()  # answers being sent end

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server is not None else 0

    def start(self) -> None:
        if self._server is not None:
            return
        relay = self

        class Handler(_Handler):
            owner = relay

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="onair-relay",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    def url_for(self, reader: StreamReader, at: float | None = None) -> str:
        """The URL that plays `reader`'s stream from moment `at` (None: live)."""
        if self._server is None:
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

    def close(self) -> None:
        if self._server is None:
            return
        self.closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._server = None
        with self._lock:
            self._readers.clear()


class _Handler(BaseHTTPRequestHandler):
    owner: Relay
    protocol_version = "HTTP/1.0"

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
        cursor = buffer.cursor(live_moment(reader) if at is None else at)
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
        except OSError:
            return  # libvlc closed the connection (a stop, a seek, a switch)

    def _refuse(self, code: int, why: str | None = None) -> None:
        """An error answer; libvlc may have given up on the request meanwhile (an outage's
        probe): a closed socket is no error of ours."""
        try:
            self.send_error(code, why)
        except OSError:
            pass


def _moment(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
