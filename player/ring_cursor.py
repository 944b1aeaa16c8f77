"""A reader's place in a RingBuffer (player/ring_buffer.py, which it reaches into: one
idea split for size): whole frames from a moment on.

Each relay answer and each recording has its own Cursor; it reads segment files outside
the buffer's lock (an open segment stays readable after deletion) and, on an Ogg stream,
begins with the header set in force at its start.
"""

from __future__ import annotations

import os
import time
from bisect import bisect_right
from typing import Any

from player.ogg_restamp import Restamper


class Cursor:
    """One reader's place: a segment and an index entry in it. Not shared between threads."""

    def __init__(self, buffer: Any, seg: Any, index: int,
                 preamble: bytes = b"") -> None:
        self._buffer = buffer
        self._seg, self._index = seg, index
        self._preamble = preamble  # Ogg: the header set in force at the start, sent first
        self._restamp: Restamper | None = None  # a recording's file: see take_headers
        self._fd: int | None = None
        self._fd_seq = -1

    @property
    def closed(self) -> bool:
        return self._buffer.closed

    @property
    def position(self) -> float:
        with self._buffer._cond:
            self._settle()
            seg = self._seg
            if seg is None or self._index >= len(seg.offsets):
                return self._buffer._end()
            return seg.moment(self._index)

    def _settle(self) -> bool:
        """Move to readable data (call under the lock): past dropped and finished segments.
        True when an index entry is there to read."""
        buf = self._buffer
        while True:
            seg = self._seg
            if seg is None:
                self._seg, self._index = (buf._segments[0], 0) if buf._segments else (None, 0)
                if self._seg is None:
                    return False
                continue
            if seg.dropped:  # its data is gone: jump to the oldest moment held
                self._seg, self._index = None, 0
                if buf._closed:
                    return False
                continue
            if self._index < len(seg.offsets):
                return True
            nxt = buf._after(seg)
            if nxt is None:
                return False
            self._seg, self._index = nxt, 0

    def read(self, max_bytes: int, timeout: float) -> bytes:
        """Whole frames from the position, at most `max_bytes` (at least one entry);
        b"" when nothing new came within `timeout` or the buffer was closed. An Ogg
        cursor's first read is the header set in force at its start."""
        if self._preamble:
            data, self._preamble = self._preamble, b""
            return data
        buf = self._buffer
        deadline = time.monotonic() + timeout
        with buf._cond:
            while not self._settle():
                left = deadline - time.monotonic()
                if buf._closed or left <= 0:
                    return b""
                buf._cond.wait(left)
            seg, first = self._seg, self._index
            start = seg.offsets[first]
            # entries first..last-1, the last one ending within max_bytes (one at least)
            p = bisect_right(seg.offsets, start + max_bytes, lo=first)
            whole = p == len(seg.offsets) and seg.size - start <= max_bytes
            last = max(first + 1, p if whole else p - 1)
            stop = seg.end_of(last - 1)
            if self._fd_seq != seg.seq:
                self._close_fd()
                self._fd, self._fd_seq = os.open(seg.path, os.O_RDONLY), seg.seq
            fd = self._fd
            self._index = last
        data = os.pread(fd, stop - start, start)
        return self._restamp.feed(data) if self._restamp is not None else data

    def take_headers(self) -> bytes:
        """The Ogg header set in force at the position, read now (b"" for MP3/AAC): a
        recording writes and tags it before the audio. From then on the pages read are a
        file of their own (player.ogg_restamp: sequence numbers, Opus granules from 0)."""
        headers = self._headers_here()
        if headers:
            self._restamp = Restamper()
            headers = self._restamp.feed(headers)
        return headers

    def _headers_here(self) -> bytes:
        if self._preamble:
            data, self._preamble = self._preamble, b""
            return data
        buf = self._buffer
        with buf._cond:
            if not self._settle():
                return b""
            found = buf._headers_at(self._seg, self._index)
            if found is None or found.seg is not self._seg or found.index != self._index:
                return b""
            self._index += 1
            return found.read()

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self._close_fd()
