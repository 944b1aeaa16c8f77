"""What the HTTP client answers, as plain values (no requests import: models and parsers
can name these types without loading the HTTP stack)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from infra.errors import SourceUnavailable


class RefusedTarget(SourceUnavailable):
    """The source pointed somewhere the app never goes: a redirect to a scheme other than
    http(s), or a playlist for libvlc listing one. The message names the target."""


Check = Callable[[bytes, str], object]
"""Validates a 200 answer (content, content type); raises ValueError(why) if unusable."""


@dataclass(frozen=True)
class Fetched:
    url: str
    status: int
    content: bytes
    content_type: str
    stale: bool
    fetched_at: datetime  # aware UTC; when this copy was fetched (or last revalidated)
    problem: str | None = None  # why a stale copy is served, e.g. "HTTP 500 (url)"


@dataclass(frozen=True)
class FetchedHead:
    """The start of an HTTP answer: where redirects ended, its Content-Type, first bytes."""

    final_url: str
    content_type: str
    head: bytes  # at most max_bytes (64 KiB by default)


class Fetcher(Protocol):
    """GET `url` following redirects (with a limit), reading at most `max_bytes`.
    Raises SourceUnavailable (RefusedTarget for a refused redirect target), nothing else."""

    def __call__(self, url: str, max_bytes: int = 65536) -> FetchedHead: ...


class LiveStream:
    """An open live-stream answer (HttpClient.stream): status, headers (lower-case names),
    the URL after redirects, and `chunks()`, what arrives as it arrives (at most 64 KiB a
    read, so the reader makes few large reads). `close()` may come from any thread: it shuts
    the sockets, so a read blocked on a silent server returns at once."""

    def __init__(self, resp, sockets: list, session, read_timeout: float) -> None:
        self.status: int = resp.status_code
        self.headers: dict[str, str] = {k.lower(): v for k, v in resp.headers.items()}
        self.url: str = resp.url
        self._resp, self._sockets, self._session = resp, sockets, session
        self._read_timeout = read_timeout
        self.closed = False

    def chunks(self, size: int = 65536) -> Iterator[bytes]:
        """The body in reads; raises ConnectionError("one line why") when it breaks."""
        while not self.closed:
            try:
                chunk = self._resp.raw.read1(size)
            except Exception as exc:  # noqa: BLE001 - urllib3/http.client/socket errors
                if self.closed:
                    return
                why = exc.__class__.__name__
                if "Timeout" in why or "timed out" in str(exc):
                    raise ConnectionError(f"no data for {self._read_timeout:g} s") from None
                raise ConnectionError(f"connection lost ({why})") from None
            if not chunk:
                if self.closed:
                    return
                raise ConnectionError("the server closed the stream")
            yield chunk

    def close(self) -> None:
        self.closed = True
        for sock in list(self._sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            self._resp.close()
        finally:
            self._session.close()
