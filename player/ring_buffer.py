"""The held stream on disk: the last `max_seconds` of whole frames, under `max_bytes`.

Frames go into segment files in `folder` (a subfolder of the cache dir); the oldest segment
is deleted while the buffer is over either cap, so memory holds only the index: per
segment two compact arrays (each frame's start in seconds, float32, and its byte offset,
uint32), about 8 bytes a frame (2 h of AAC: ~170k frames, ~1.4 MB).

Timeline (notes/catchup_api.md): every moment is the wall-clock time it was live. Frames
come in runs; a run's frames are timed from the run's start `t0` by their own durations.
A frame cannot arrive before it was live, so when a batch would end after its arrival
(Icecast's burst on connect sends seconds of past audio at once) the whole run moves
back so that it ends at the arrival: only `t0` changes, and cursors hold frame positions,
not times. A run that falls more than DRIFT_S behind its arrivals (the server lost audio),
or the first batch after `mark_gap()`, starts a new run at its arrival: a gap.
A new run never starts before the previous one ended (the timeline only moves forward).

Thread safety: one writer (the reader thread) and any number of cursors, under one
condition; file reads happen outside it (an open segment stays readable after deletion).
"""

from __future__ import annotations

import math
import os
import shutil
import threading
import time
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from pathlib import Path

DRIFT_S = 3.0  # a run this far behind its arrivals is re-anchored (a gap)
SEGMENTS = 8  # a segment holds at most 1/SEGMENTS of either cap
MIN_SEGMENT_BYTES = 16384
_EPS = 1e-6


class _Run:
    def __init__(self, t0: float, floor: float) -> None:
        self.t0 = t0  # the moment of the run's first frame (moves back, never below floor)
        self.floor = floor
        self.dur = 0.0  # seconds appended to the run so far


class _Segment:
    def __init__(self, seq: int, path: Path, run: _Run) -> None:
        self.seq, self.path, self.run = seq, path, run
        self.rel0 = run.dur  # where the segment starts, in seconds since the run's start
        self.times = array("f")  # each index entry's start, seconds since rel0
        self.offsets = array("I")  # each index entry's byte offset in the file
        self.size = 0
        self.dur = 0.0
        self.dropped = False
        self.file = open(path, "wb", buffering=0)  # noqa: SIM115 - closed on drop/close

    @property
    def first(self) -> float:
        return self.run.t0 + self.rel0

    @property
    def last(self) -> float:
        return self.run.t0 + self.rel0 + self.dur

    def moment(self, index: int) -> float:
        return self.first + self.times[index]

    def end_of(self, index: int) -> int:
        """The byte offset where index entry `index` ends."""
        return self.offsets[index + 1] if index + 1 < len(self.offsets) else self.size


class RingBuffer:
    def __init__(self, folder: Path, codec: str, *, max_seconds: float, max_bytes: int) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.codec = codec
        self.max_seconds = float(max_seconds)
        self.max_bytes = int(max_bytes)
        self._seg_bytes = max(MIN_SEGMENT_BYTES, self.max_bytes // SEGMENTS)
        self._seg_seconds = max(1.0, self.max_seconds / SEGMENTS)
        self._segments: list[_Segment] = []
        self._titles: list[tuple[_Run, float, str]] = []  # (run, seconds into it, title)
        self._run: _Run | None = None
        self._gap_next = False
        self._seq = 0
        self._bytes = 0
        self._closed = False
        self._cond = threading.Condition()

    # -- the writer --------------------------------------------------------------------------
    def append(self, frames: bytes, duration_s: float, *, arrived: float,
               titles: Sequence[tuple[int, str]] = (), sizes: Sequence[int] = ()) -> None:
        """Whole frames that arrived at `arrived` (time.time()). `titles`: (byte offset in
        `frames`, title). `sizes` (an extension): each frame's length, for a per-frame
        index; without it the batch is one index entry (cursors start at its first byte)."""
        if not frames or duration_s <= 0:
            return
        with self._cond:
            if self._closed:
                return
            run = self._timed_run(duration_s, arrived)
            seg = self._segment_for(run)
            self._drop_over_caps(len(frames), run.t0 + run.dur + duration_s)
            self._write(seg, frames, duration_s, sizes)
            for offset, title in titles:
                share = min(max(offset, 0), len(frames)) / len(frames)
                self._titles.append((run, run.dur + duration_s * share, title))
            run.dur += duration_s
            self._cond.notify_all()

    def mark_gap(self) -> None:
        """The next append starts a new run (a reconnect): a gap, never an overlap."""
        with self._cond:
            self._gap_next = True

    def _timed_run(self, duration_s: float, arrived: float) -> _Run:
        run = self._run
        if run is not None and not self._gap_next:
            end = run.t0 + run.dur + duration_s
            if arrived - end <= DRIFT_S:
                if end > arrived:  # arrived before it was live: the run moves back
                    run.t0 -= min(end - arrived, run.t0 - run.floor)
                return run
        floor = run.t0 + run.dur if run is not None else -math.inf
        self._run = _Run(max(arrived - duration_s, floor), floor)
        self._gap_next = False
        return self._run

    def _segment_for(self, run: _Run) -> _Segment:
        seg = self._segments[-1] if self._segments else None
        if seg is None or seg.run is not run or seg.size >= self._seg_bytes \
                or seg.dur >= self._seg_seconds:
            if seg is not None:
                seg.file.close()
            self._seq += 1
            seg = _Segment(self._seq, self.folder / f"{self._seq:06d}.{self.codec}", run)
            self._segments.append(seg)
        return seg

    def _drop_over_caps(self, incoming: int, new_end: float) -> None:
        while len(self._segments) > 1 and (
                self._bytes + incoming > self.max_bytes
                or self._segments[0].last <= new_end - self.max_seconds):
            seg = self._segments.pop(0)
            seg.dropped = True
            seg.file.close()
            seg.path.unlink(missing_ok=True)
            self._bytes -= seg.size
        start = self._segments[0].first
        older = [i for i, (run, rel, _) in enumerate(self._titles) if run.t0 + rel < start]
        if len(older) > 1:  # keep the title heard at `start`
            del self._titles[: older[-1]]

    def _write(self, seg: _Segment, frames: bytes, duration_s: float,
               sizes: Sequence[int]) -> None:
        seg.file.write(frames)
        if len(sizes) > 1 and sum(sizes) == len(frames):
            each = duration_s / len(sizes)
            offset = seg.size
            for i, size in enumerate(sizes):
                seg.offsets.append(offset)
                seg.times.append(seg.dur + i * each)
                offset += size
        else:
            seg.offsets.append(seg.size)
            seg.times.append(seg.dur)
        seg.size += len(frames)
        seg.dur += duration_s
        self._bytes += len(frames)

    # -- what is held ------------------------------------------------------------------------
    @property
    def start(self) -> float:
        with self._cond:
            return self._segments[0].first if self._segments else 0.0

    @property
    def end(self) -> float:
        with self._cond:
            return self._end()

    def _end(self) -> float:
        return self._segments[-1].last if self._segments else 0.0

    @property
    def run_start(self) -> float:
        """The first moment of the newest run (since the last gap); 0.0 when empty."""
        with self._cond:
            return self._run.t0 if self._run is not None else 0.0

    @property
    def gaps(self) -> list[tuple[float, float]]:
        with self._cond:
            segs = self._segments
            return [(a.last, b.first) for a, b in zip(segs, segs[1:], strict=False)
                    if a.run is not b.run and b.first - a.last > _EPS]

    @property
    def bytes_on_disk(self) -> int:
        with self._cond:
            return self._bytes

    @property
    def closed(self) -> bool:
        return self._closed

    def title_at(self, t: float) -> str:
        with self._cond:
            heard = [title for run, rel, title in self._titles if run.t0 + rel <= t + _EPS]
        return heard[-1] if heard else ""

    def titles_between(self, t0: float, t1: float) -> list[tuple[float, str]]:
        with self._cond:
            return [(run.t0 + rel, title) for run, rel, title in self._titles
                    if t0 <= run.t0 + rel < t1]

    def wait_until(self, t: float, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._closed or self._end() >= t - _EPS,
                                       timeout) and not self._closed

    def cursor(self, t: float) -> Cursor:
        """A reader of whole frames from the first one at or after `t` (clamped)."""
        with self._cond:
            return Cursor(self, *self._locate(t))

    def _locate(self, t: float) -> tuple[_Segment | None, int]:
        segs = self._segments
        if not segs:
            return None, 0
        firsts = [s.first for s in segs]
        k = max(0, bisect_right(firsts, t + _EPS) - 1)
        seg = segs[k]
        index = bisect_left(seg.times, t - seg.first - _EPS)
        return seg, index

    def _after(self, seg: _Segment) -> _Segment | None:
        """The segment after `seg` (or the oldest, when `seg` was dropped)."""
        if seg.dropped:
            return self._segments[0] if self._segments else None
        i = seg.seq - self._segments[0].seq + 1
        return self._segments[i] if i < len(self._segments) else None

    def close(self) -> None:
        """Stops every cursor and deletes the segment files."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            for seg in self._segments:
                seg.dropped = True
                seg.file.close()
            self._segments = []
            self._bytes = 0
            self._cond.notify_all()
        shutil.rmtree(self.folder, ignore_errors=True)


class Cursor:
    """One reader's place: a segment and an index entry in it. Not shared between threads."""

    def __init__(self, buffer: RingBuffer, seg: _Segment | None, index: int) -> None:
        self._buffer = buffer
        self._seg, self._index = seg, index
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
        b"" when nothing new came within `timeout` or the buffer was closed."""
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
        return os.pread(fd, stop - start, start)

    def _close_fd(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self._close_fd()
