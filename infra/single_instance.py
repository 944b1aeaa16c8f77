"""One running app per config dir: the first claims, a second hands over its wish and exits.

The first app holds an exclusive `fcntl.flock` on `gui-<key>.lock` in the user's runtime
dir and listens on the Unix socket `gui-<key>.sock` beside it (`<key>`: a hash of the
config dir, so apps with different config dirs, as in tests, are separate). A second app
that cannot take the lock connects to the socket, sends one JSON line (what its command
line asked for) and waits for "ok": the first app raises its window and does it. No
session bus is needed.

A crashed first app leaves no stale claim: the kernel lets its flock go, and the next app
to take the lock removes the old socket before it binds a new one. An app that quits
removes both files. A second app that finds
the lock held but nobody answering yet (the first is starting) tries again until
`HANDOVER_S`: whichever comes first, the lock or an answer. Only the same user is
listened to (the runtime dir is 0700 and SO_PEERCRED is checked); a message is at most
MAX_MESSAGE bytes of JSON, read with a deadline, and anything else is answered "error"
and dropped with one log line.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import socket
import stat
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

HANDOVER_S = 10.0  # a second app waits this long for the first to answer
READ_S = 2.0  # a connection must send its message within this
MAX_MESSAGE = 64 * 1024
MAX_SOCKET_PATH = 107  # sockaddr_un's sun_path, less its NUL
OK, ERROR = b"ok\n", b"error\n"


class NoAnswer(OSError):
    """The lock is held, but the app holding it did not answer in time."""


def runtime_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's private runtime dir for On Air: $XDG_RUNTIME_DIR/onair, else
    <tmp>/onair-<uid>; created 0700 and checked to be ours and private (OSError if not)."""
    env = os.environ if env is None else env
    base = env.get("XDG_RUNTIME_DIR", "")
    folder = Path(base) / "onair" if base and Path(base).is_dir() else \
        Path(tempfile.gettempdir()) / f"onair-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError(f"{folder}: not a private folder of this user")
    return folder


def key_for(config_dir: Path) -> str:
    """The claim's name for the app of `config_dir`."""
    return hashlib.sha256(str(Path(config_dir).resolve()).encode()).hexdigest()[:16]


class Instance:
    """The claim of the running app: its lock and its listening socket (`listen`)."""

    def __init__(self, lock_fd: int, lock_path: Path, sock_path: Path) -> None:
        self._lock_fd, self.lock_path, self.sock_path = lock_fd, lock_path, sock_path
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()

    def _bind(self) -> None:
        """Listen on the socket (a crashed app's is removed first); second apps that come
        before `listen` wait in its backlog."""
        self.sock_path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            server.bind(str(self.sock_path))
            server.listen(8)
        except OSError:
            server.close()
            raise
        self._server = server

    def listen(self, on_message: Callable[[dict], None]) -> None:
        """Answer second apps on a thread of its own; `on_message(dict)` is called there."""
        assert self._server is not None
        self._thread = threading.Thread(target=self._serve, args=(self._server, on_message),
                                        name="onair-single-instance", daemon=True)
        self._thread.start()

    def _serve(self, server: socket.socket, on_message: Callable[[dict], None]) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return  # closed
            with conn:
                try:
                    message = _read_message(conn)
                except (OSError, ValueError) as err:
                    log.warning("a second On Air sent what could not be read (%s)", err)
                    _send(conn, ERROR)
                    continue
                _send(conn, OK)
            try:
                on_message(message)
            except Exception:  # noqa: BLE001 - the listener lives on
                log.exception("a second On Air's wish could not be handled")

    def close(self) -> None:
        """Stop listening, remove the socket and the lock file, and let the lock go."""
        self._closed.set()
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
            self.sock_path.unlink(missing_ok=True)
        if self._thread is not None:
            self._thread.join(5)
        if self._lock_fd >= 0:
            self.lock_path.unlink(missing_ok=True)  # still ours: see _try_lock
            os.close(self._lock_fd)
            self._lock_fd = -1


def _read_message(conn: socket.socket) -> dict:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    if uid != os.getuid():
        raise ValueError(f"from another user (uid {uid})")
    conn.settimeout(READ_S)
    data = b""
    deadline = time.monotonic() + READ_S
    while not data.endswith(b"\n"):
        if time.monotonic() > deadline:
            raise ValueError("too slow")
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_MESSAGE:
            raise ValueError(f"over {MAX_MESSAGE} bytes")
    message = json.loads(data.decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("not a JSON object")
    return message


def _send(conn: socket.socket, data: bytes) -> None:
    try:
        conn.sendall(data)
    except OSError:
        pass


def _try_lock(path: Path) -> int | None:
    """The locked fd of `path`, or None while another app holds it. A lock won on a file
    its last holder removed on the way out is no lock on the path: tried again."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            same = os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
        except BlockingIOError:
            os.close(fd)
            return None
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _hand_over(sock_path: Path, message: dict, deadline: float) -> bool:
    """Send `message` to the running app; True once it answered "ok" (by `deadline`: it
    may still be starting, with the request waiting in its socket's backlog)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(READ_S)
        try:
            conn.connect(str(sock_path))
        except OSError:  # not there yet (starting), or gone (crashed)
            return False
        try:
            conn.sendall(json.dumps(message).encode("utf-8") + b"\n")
            conn.settimeout(max(0.1, deadline - time.monotonic()))
            answer = conn.recv(16)
        except OSError:  # it quit meanwhile, or did not answer by the deadline
            return False
    if not answer:  # closed without a word: quitting; its lock is free soon
        return False
    if answer != OK:
        raise NoAnswer(f"the running On Air refused the request ({answer!r})")
    return True


def claim_or_hand_over(config_dir: Path, message: dict, *, timeout: float = HANDOVER_S,
                       env: Mapping[str, str] | None = None) -> Instance | None:
    """The claim, already listening (this is the first app: call `listen` once it can take
    wishes, and `close` at exit), or None when the running app took `message`. NoAnswer
    when the lock stays held and nobody answers within `timeout`; OSError when the runtime
    dir or the socket cannot be used."""
    folder = runtime_dir(env)
    key = key_for(config_dir)
    lock, sock = folder / f"gui-{key}.lock", folder / f"gui-{key}.sock"
    if len(os.fsencode(sock)) > MAX_SOCKET_PATH:
        raise OSError(f"{sock}: too long a path for a Unix socket")
    deadline = time.monotonic() + timeout
    while True:
        fd = _try_lock(lock)
        if fd is not None:
            instance = Instance(fd, lock, sock)
            try:
                instance._bind()
            except OSError:
                instance.close()
                raise
            return instance
        if _hand_over(sock, message, deadline):
            return None
        if time.monotonic() > deadline:
            raise NoAnswer(f"On Air is already running ({lock}) but did not answer within "
                           f"{timeout:g} s")
        time.sleep(0.05)
