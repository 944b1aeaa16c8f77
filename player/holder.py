"""One reader per stream URL, shared: the player and a recording of the same station open
the stream once. Counted: the last release stops the reader and deletes its buffer.

A reader that failed or stopped is replaced, on the next acquire, by a new one that goes
on filling the same buffer (the reconnect is a gap in it), so what was held stays.
Buffers live in `buffer_root` (a cache dir subfolder), one folder per reader, named with
the process id; folders of processes that are gone (an unclean exit) are deleted at start.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

from infra.http import HttpClient
from player.stream_reader import StreamReader


class StreamHolder:
    def __init__(self, http: HttpClient, buffer_root: Path, *, max_seconds: float,
                 max_bytes: int) -> None:
        self.http = http
        self.buffer_root = Path(buffer_root)
        self.max_seconds, self.max_bytes = max_seconds, max_bytes
        self._readers: dict[str, tuple[StreamReader, int]] = {}  # url -> current, users
        self._urls: dict[StreamReader, str] = {}  # every reader handed out -> its url
        self._lock = threading.Lock()
        _remove_orphans(self.buffer_root)

    def acquire(self, url: str, *, reconnect: bool = False) -> StreamReader:
        """The reader of `url`, started; shared and counted. `reconnect` True (a
        recording) makes a shared reader retry drops from now on."""
        with self._lock:
            reader, users = self._readers.get(url, (None, 0))
            if reader is None or reader.ended:
                buffer = reader.buffer if reader is not None else None
                if buffer is not None:
                    buffer.mark_gap()
                reader = StreamReader(url, self.http, self.buffer_root,
                                      max_seconds=self.max_seconds, max_bytes=self.max_bytes,
                                      reconnect=reconnect or (users > 0 and reader.reconnect),
                                      buffer=buffer)
                reader.start()
            elif reconnect:
                reader.reconnect = True
            self._readers[url] = (reader, users + 1)
            self._urls[reader] = url
            return reader

    def release(self, reader: StreamReader) -> None:
        """One user less (`reader` may be one a failure replaced); the last one gone stops
        the reader and deletes its buffer."""
        with self._lock:
            url = self._urls.get(reader)
            if url is None or url not in self._readers:
                return
            current, users = self._readers[url]
            if users > 1:
                self._readers[url] = (current, users - 1)
                return
            del self._readers[url]
            for old in [r for r, u in self._urls.items() if u == url]:
                del self._urls[old]
        _end(current)

    def users(self, url: str) -> int:
        with self._lock:
            return self._readers.get(url, (None, 0))[1]

    def close(self) -> None:
        with self._lock:
            readers = [r for r, _ in self._readers.values()]
            self._readers.clear()
            self._urls.clear()
        for reader in readers:
            _end(reader)


def _end(reader: StreamReader) -> None:
    reader.stop()
    if reader.buffer is not None:
        reader.buffer.close()


def _remove_orphans(root: Path) -> None:
    """Delete buffer folders left by processes that no longer run."""
    if not root.is_dir():
        return
    for folder in root.glob("stream-*-*"):
        try:
            pid = int(folder.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
