"""A lock per state file, held across processes: `locked(path)`.

Two On Air processes (the app and a command, or two commands) may change one file: the
catalogue, recordings.json, settings. Every atomic write (infra.paths) takes the file's
lock, and a read-modify-write holds it around the whole change (`with locked(path):`
read, change, write), so no change is lost to another process's write in between.

The lock is an exclusive `fcntl.flock` on a sidecar, `.<name>.lock` beside the file
(flock, not fcntl's record locks: those are per process and vanish when any fd of the
file is closed). The kernel lets it go when the holder dies, so a crash leaves no stale
lock. The sidecar is removed when the lock is let go; a waiter that then holds a lock on
the removed inode sees it is no longer the path's and tries again, so the lock stays
exclusive and no lock files pile up (next to exported playlists, say).

Re-entrant within a thread (an atomic write inside a held read-modify-write); other
threads of the process wait like other processes do. A lock not had within `timeout`
raises TimeoutError (an OSError: callers already report a file that cannot be written).
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TIMEOUT_S = 10.0
_POLL_S = 0.01
_held = threading.local()  # lock path -> [fd, depth] of the locks this thread holds


def lock_path(path: Path) -> Path:
    """The sidecar whose flock guards `path`."""
    return path.with_name(f".{path.name}.lock")


def _acquire(lock: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{lock}: held by another process for over "
                                           f"{timeout:g} s") from None
                    time.sleep(_POLL_S)
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(lock, follow_symlinks=False))
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            return fd
        os.close(fd)  # the holder before us removed it: lock the path's new file


@contextmanager
def locked(path: Path, timeout: float = TIMEOUT_S) -> Iterator[None]:
    """Hold the lock of `path` (its folder must exist) for the `with` block."""
    lock = lock_path(Path(path))
    key = str(lock)
    held = _held.__dict__.setdefault("locks", {})
    if key in held:
        held[key][1] += 1
        try:
            yield
        finally:
            held[key][1] -= 1
        return
    fd = _acquire(lock, timeout)
    held[key] = [fd, 1]
    try:
        yield
    finally:
        del held[key]
        try:
            os.unlink(lock)  # still ours: nobody else holds or can lock this inode now
        except OSError:
            pass
        os.close(fd)
