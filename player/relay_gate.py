"""The relay's front door: what any local process can make it spend before it is trusted.

One thread ("onair-relay") accepts on 127.0.0.1 and reads each connection's request head
without blocking (a selector), with a deadline. Nothing else happens before the head's
request line names a token the relay handed out (`known(token)`, a dict lookup):
- a connection that sends no complete head within HEAD_TIMEOUT_S, or more than MAX_HEAD
  bytes, is closed; at most MAX_PENDING wait at once, and a new one past that closes the
  oldest waiting (so a crowd of idle sockets neither holds threads nor file descriptors,
  and cannot keep libvlc's request, which arrives whole at once, from being read);
- a head that is not `GET /<known token>` is answered 404 from this thread and closed: no
  thread, no buffer, no reader is touched for it;
- a known token starts its answer on a thread of its own (`serve(sock, head)`), at most
  MAX_STREAMS at once (only the app holds tokens: more means its own connections leak);
  past that it is answered 503. The answer's socket has a send buffer of SEND_BUFFER and a
  send timeout, SEND_TIMEOUT_S: a client that stops reading is dropped once the buffer is full
  (a few seconds of audio) and the timeout has passed.
`Limits` holds these numbers (tests make the timeouts short).
"""

from __future__ import annotations

import logging
import select
import selectors
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

HEAD_TIMEOUT_S = 5.0
MAX_HEAD = 8192
MAX_PENDING = 64
MAX_STREAMS = 8
SEND_TIMEOUT_S = 30.0
SEND_BUFFER = 128 * 1024  # per answer (the kernel's own autotuning would grow it to 4 MB)
BACKLOG = 128
_log = logging.getLogger(__name__)

Serve = Callable[[socket.socket, bytes], None]


@dataclass(frozen=True)
class Limits:
    head_timeout_s: float = HEAD_TIMEOUT_S
    send_timeout_s: float = SEND_TIMEOUT_S
    max_pending: int = MAX_PENDING
    max_streams: int = MAX_STREAMS
    send_buffer: int = SEND_BUFFER


def _answer(status: str) -> bytes:
    return (f"HTTP/1.0 {status}\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
            "Connection: close\r\n\r\n").encode()


NOT_FOUND = _answer("404 Not Found")
BUSY = _answer("503 Service Unavailable")


def request_token(head: bytes) -> str | None:
    """The token a `GET /<token>[?query] HTTP/1.x` head asks for, or None for any other head."""
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    parts = line.split(b" ")
    if len(parts) != 3 or parts[0] != b"GET" or not parts[2].startswith(b"HTTP/1."):
        return None
    try:
        path = urlsplit(parts[1].decode("ascii")).path
    except (UnicodeDecodeError, ValueError):
        return None
    return path[1:] if path.startswith("/") and len(path) > 1 else None


class _Pending:
    __slots__ = ("deadline", "head")

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.head = bytearray()


class Gate:
    """`start()` listens on a free loopback port (`port`); `close()` stops accepting, closes
    what waits, and joins the answers' threads (each ends once the relay's `closing` is set)."""

    def __init__(self, known: Callable[[str], bool], serve: Serve,
                 limits: Limits | None = None) -> None:
        self._known = known
        self._serve = serve
        self.limits = limits = limits or Limits()
        self._head_timeout_s = limits.head_timeout_s
        self._max_pending = limits.max_pending
        self._max_streams = limits.max_streams
        self._pending: OrderedDict[socket.socket, _Pending] = OrderedDict()  # oldest first
        self._streams: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._selector = selectors.DefaultSelector()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.refused = 0  # heads answered 404 or 503, and connections closed unanswered

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1] if self._listener is not None else 0

    @property
    def streams(self) -> int:
        with self._lock:
            return len(self._streams)

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", 0), backlog=BACKLOG)
        listener.setblocking(False)
        self._listener = listener
        self._selector.register(listener, selectors.EVENT_READ)
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._run, name="onair-relay", daemon=True)
        self._thread.start()

    def close(self, join_s: float = 2.0) -> None:
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(join_s)
        with self._lock:
            streams = list(self._streams)
        for thread in streams:
            thread.join(join_s)

    # -- the gate thread -------------------------------------------------------------------
    def _run(self) -> None:
        try:
            while not self._stopping:
                for key, _events in self._selector.select(self._wait_s()):
                    if key.fileobj is self._listener:
                        self._accept()
                    elif key.fileobj is not self._wake_r:
                        self._read_safely(key.fileobj)  # type: ignore[arg-type]
                self._expire()
        finally:
            for sock in list(self._pending):
                self._drop(sock)
            self._selector.close()
            for sock in (self._listener, self._wake_r, self._wake_w):
                if sock is not None:
                    sock.close()

    def _wait_s(self) -> float:
        if not self._pending:
            return self._head_timeout_s
        oldest = min(p.deadline for p in self._pending.values())
        return max(0.0, min(self._head_timeout_s, oldest - time.monotonic()))

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                sock, _addr = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as err:  # out of descriptors, say: what waits will free some
                _log.warning("relay: accept failed: %s", err)
                return
            sock.setblocking(False)
            while len(self._pending) >= self._max_pending:
                self._drop(next(iter(self._pending)))  # the one waiting longest
            self._pending[sock] = _Pending(time.monotonic() + self._head_timeout_s)
            self._selector.register(sock, selectors.EVENT_READ)

    def _read_safely(self, sock: socket.socket) -> None:
        try:
            self._read(sock)
        except Exception as err:  # noqa: BLE001 - one connection never stops the gate
            _log.error("relay: a connection failed: %r", err)
            self._drop(sock)

    def _read(self, sock: socket.socket) -> None:
        pending = self._pending.get(sock)
        if pending is None:
            return
        try:
            data = sock.recv(MAX_HEAD)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        pending.head += data
        if b"\r\n\r\n" in pending.head or b"\n\n" in pending.head:
            self._dispatch(sock, bytes(pending.head))
        elif len(pending.head) > MAX_HEAD:
            self._drop(sock)

    def _expire(self) -> None:
        now = time.monotonic()
        for sock in [s for s, p in self._pending.items() if p.deadline <= now]:
            self._drop(sock)

    def _dispatch(self, sock: socket.socket, head: bytes) -> None:
        self._forget(sock)
        token = request_token(head)
        if token is None or not self._known(token):
            self._refuse(sock, NOT_FOUND)
            return
        with self._lock:
            busy = len(self._streams) >= self._max_streams
        if busy:
            _log.warning("relay: %d answers running: a request is refused", self._max_streams)
            self._refuse(sock, BUSY)
            return
        sock.setblocking(True)
        sock.settimeout(self.limits.send_timeout_s)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.limits.send_buffer)
        thread = threading.Thread(target=self._answer, args=(sock, head),
                                  name="onair-relay-stream", daemon=True)
        with self._lock:
            self._streams.add(thread)
        thread.start()

    def _answer(self, sock: socket.socket, head: bytes) -> None:
        try:
            self._serve(sock, head)
        except OSError:
            pass  # the client went, or stopped reading past the send timeout
        except Exception as err:  # noqa: BLE001 - one answer failing never takes the relay
            _log.error("relay: an answer failed: %r", err)
        finally:
            _close(sock)
            with self._lock:
                self._streams.discard(threading.current_thread())

    def _refuse(self, sock: socket.socket, answer: bytes) -> None:
        self.refused += 1
        try:
            sock.send(answer)  # small: fits the socket's buffer, or is not sent at all
        except OSError:
            pass
        _close(sock)

    def _forget(self, sock: socket.socket) -> None:
        self._pending.pop(sock, None)
        try:
            self._selector.unregister(sock)
        except (KeyError, ValueError):
            pass

    def _drop(self, sock: socket.socket) -> None:
        self._forget(sock)
        self.refused += 1
        _close(sock)


def client_gone(sock: socket.socket) -> bool:
    """Whether the client closed its end: readable with nothing to read (libvlc sends nothing
    after its request). Never waits."""
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        if not poller.poll(0):
            return False
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except (OSError, ValueError):
        return True


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
