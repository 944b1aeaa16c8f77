"""Transport pieces for the HTTP layer (urllib3 only): the overall request deadline, which
shuts down a request's sockets when it passes, the Shoutcast v1 status line, and the retry rule.

A read timeout bounds each wait for bytes, not the whole answer: a server sending one
byte a second would never time out. `Watch` bounds the whole request.
"""

from __future__ import annotations

import http.client
import socket
import threading

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

_current = threading.local()  # sockets answering this thread's current request


class Watch:
    """The overall deadline: when it passes, the sockets of the request are shut down, so a
    server trickling its headers or body one byte at a time cannot hold a worker."""

    def __init__(self, seconds: float) -> None:
        self.fired = threading.Event()
        self.sockets: list[socket.socket] = []
        _current.sockets = self.sockets
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        self.fired.set()
        for sock in list(self.sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def stop(self) -> None:
        self._timer.cancel()
        _current.sockets = None


def _watch_socket(sock: socket.socket | None) -> None:
    sockets = getattr(_current, "sockets", None)
    if sockets is not None and sock is not None:
        sockets.append(sock)


class _IcyResponse(http.client.HTTPResponse):
    """Reads a Shoutcast v1 server's `ICY 200 OK` status line as HTTP/1.0 (its headers and body
    are HTTP's); every other status line is http.client's."""

    def _read_status(self):  # noqa: ANN202 - http.client's private hook
        if self.fp.peek(4)[:4] == b"ICY ":
            line = str(self.fp.readline(http.client._MAXLINE + 1), "iso-8859-1")
            if len(line) > http.client._MAXLINE:
                raise http.client.LineTooLong("status line")
            _icy, _, rest = line.strip().partition(" ")
            code, _, reason = rest.partition(" ")
            if not (len(code) == 3 and code.isdigit()):
                raise http.client.BadStatusLine(line)
            return "HTTP/1.0", int(code), reason
        return super()._read_status()


class _WatchedConnection(HTTPConnection):
    response_class = _IcyResponse

    def getresponse(self, *args, **kwargs):
        _watch_socket(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedTLSConnection(HTTPSConnection):
    response_class = _IcyResponse

    def getresponse(self, *args, **kwargs):
        _watch_socket(self.sock)
        return super().getresponse(*args, **kwargs)


class WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class WatchedTLSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedTLSConnection


def retries() -> Retry:
    """Only idempotent GET/HEAD, only on connect errors and 502/503/504, small backoff; a
    server's Retry-After is ignored (it could ask for an hour)."""
    return Retry(total=3, connect=2, read=0, status=2, other=0, redirect=None,
                 allowed_methods=frozenset({"GET", "HEAD"}), status_forcelist=(502, 503, 504),
                 backoff_factor=0.2, backoff_max=1.0, raise_on_status=False,
                 respect_retry_after_header=False)
