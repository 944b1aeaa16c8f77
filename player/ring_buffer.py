"""The held stream on disk: the last `max_seconds` of whole frames, under `max_bytes`.

Frames go into segment files in `folder` (a subfolder of the cache dir); the oldest segment
is deleted while the buffer is over either cap, so memory holds only the index: per
segment two compact arrays (each frame's start in seconds, float32, and its byte offset,
uint32), about 8 bytes a frame (2 h of AAC: ~170k frames, ~1.4 MB).

Timeline: every moment is the wall-clock time it was live. Frames
come in runs; a run's frames are timed from the run's start `t0` by their own durations.
A frame cannot arrive before it was live, so when a batch would end after its arrival
(Icecast's burst on connect sends seconds of past audio at once) the whole run moves
back so that it ends at the arrival: only `t0` changes, and cursors hold frame positions,
not times. A run that falls more than DRIFT_S behind its arrivals (the server lost audio),
or the first batch after `mark_gap()`, starts a new run at its arrival: a gap.
A new run never starts before the previous one ended (the timeline only moves forward).

Ogg (player.ogg): a chain's header pages are written inline, as an entry of no duration
before its first audio page, so a cursor reading across a chain change passes them on as
the station sent them; a cursor that starts after them begins with the header set in force
at its start (Cursor.read, Cursor.take_headers), so libvlc and a recording can start from
any moment held. The buffer keeps where each set is (a set in a dropped segment is read
into memory when it is still in force at the oldest moment held).

ICY titles: a title equal to the one before it (servers repeat it in every metadata block)
is kept once; at most `max_titles` (MAX_TITLES) are kept, oldest dropped, each cut to
MAX_TITLE_BYTES of UTF-8: at most about 256 KiB whatever a station sends.

Thread safety: one writer (the reader thread) and any number of cursors, under one
condition; file reads happen outside it (an open segment stays readable after deletion).
"""

from __future__ import annotations

import math
import os
import shutil
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from pathlib import Path

from player.ring_cursor import Cursor

DRIFT_S = 3.0  # a run this far behind its arrivals is re-anchored (a gap)
SEGMENTS = 8  # a segment holds at most 1/SEGMENTS of either cap
MIN_SEGMENT_BYTES = 16384
MAX_TITLES = 1000
MAX_TITLE_BYTES = 256
_EPS = 1e-6


def capped_title(title: str) -> str:
    """`title` cut to MAX_TITLE_BYTES of UTF-8 (on a character boundary)."""
    raw = title.encode("utf-8", "replace")
    return title if len(raw) <= MAX_TITLE_BYTES else \
        raw[:MAX_TITLE_BYTES].decode("utf-8", "ignore")


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


class _HeaderSet:
    """An Ogg header set written inline at entry `index` of `seg`; `data` once `seg` is gone."""

    def __init__(self, seg: _Segment, index: int) -> None:
        self.seg, self.index = seg, index
        self.data: bytes | None = None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        start, stop = self.seg.offsets[self.index], self.seg.end_of(self.index)
        fd = os.open(self.seg.path, os.O_RDONLY)
        try:
            return os.pread(fd, stop - start, start)
        finally:
            os.close(fd)


class RingBuffer:
    def __init__(self, folder: Path, codec: str, *, max_seconds: float, max_bytes: int,
                 max_titles: int = MAX_TITLES) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.codec = codec
        self.max_seconds = float(max_seconds)
        self.max_bytes = int(max_bytes)
        self._seg_bytes = max(MIN_SEGMENT_BYTES, self.max_bytes // SEGMENTS)
        self._seg_seconds = max(1.0, self.max_seconds / SEGMENTS)
        self._segments: list[_Segment] = []
        self._titles: list[tuple[_Run, float, str]] = []  # (run, seconds into it, title)
        self.max_titles = max_titles
        self._headers: list[_HeaderSet] = []  # oldest first
        self._run: _Run | None = None
        self._gap_next = False
        self._seq = 0
        self._bytes = 0
        self._closed = False
        self._cond = threading.Condition()

    # -- the writer --------------------------------------------------------------------------
    def append(self, frames: bytes, duration_s: float, *, arrived: float,
               titles: Sequence[tuple[int, str]] = (), sizes: Sequence[int] = (),
               seconds: Sequence[float] = (), headers: bytes = b"") -> None:
        """Whole frames that arrived at `arrived` (time.time()). `titles`: (byte offset in
        `frames`, title). `sizes` (an extension): each frame's length, for a per-frame
        index; without it the batch is one index entry (cursors start at its first byte).
        `seconds` (with `sizes`): each frame's own duration (Ogg pages differ); else they
        share `duration_s` evenly. `headers`: an Ogg chain's header pages, in force from
        these frames on (see the module docstring)."""
        if not frames or duration_s < 0:
            return
        with self._cond:
            if self._closed:
                return
            run = self._timed_run(duration_s, arrived)
            seg = self._segment_for(run)
            self._drop_over_caps(len(frames) + len(headers), run.t0 + run.dur + duration_s)
            if headers:
                self._headers.append(_HeaderSet(seg, len(seg.offsets)))
                self._write(seg, headers, 0.0, ())
            self._write(seg, frames, duration_s, sizes, seconds)
            for offset, title in titles:
                share = min(max(offset, 0), len(frames)) / len(frames)
                title = capped_title(title)
                if self._titles and self._titles[-1][2] == title:
                    continue  # repeated by every metadata block: kept once
                self._titles.append((run, run.dur + duration_s * share, title))
            del self._titles[:-self.max_titles]
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
            held = [h for h in self._headers if h.seg is seg]
            if held:  # the newest may still be in force at the oldest moment held
                held[-1].data = held[-1].read()
                self._headers = [h for h in self._headers
                                 if h is held[-1] or h.data is None and h.seg is not seg]
            seg.dropped = True
            seg.file.close()
            seg.path.unlink(missing_ok=True)
            self._bytes -= seg.size
        start = self._segments[0].first
        older = [i for i, (run, rel, _) in enumerate(self._titles) if run.t0 + rel < start]
        if len(older) > 1:  # keep the title heard at `start`
            del self._titles[: older[-1]]

    def _write(self, seg: _Segment, frames: bytes, duration_s: float,
               sizes: Sequence[int], seconds: Sequence[float] = ()) -> None:
        seg.file.write(frames)
        if len(sizes) > 1 and sum(sizes) == len(frames):
            each = seconds if len(seconds) == len(sizes) else [duration_s / len(sizes)] * len(sizes)
            offset, t = seg.size, seg.dur
            for size, secs in zip(sizes, each, strict=True):
                seg.offsets.append(offset)
                seg.times.append(t)
                offset += size
                t += secs
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

    def cursor(self, t: float, *, containing: bool = False) -> Cursor:
        """A reader of whole frames from the first one at or after `t` (clamped), or with
        `containing` from the one playing at `t` (a join at the live moment: a moment a few
        ms into a long Ogg page, or one of pages timed 0 s, must not skip them); an Ogg
        cursor begins with the header set in force there."""
        with self._cond:
            seg, index = self._locate(t, containing)
            found = self._headers_at(seg, index) if seg is not None else None
            inline = found is not None and found.seg is seg and found.index == index
            return Cursor(self, seg, index, b"" if found is None or inline else found.read())

    def _headers_at(self, seg: _Segment, index: int) -> _HeaderSet | None:
        """The header set in force at entry `index` of `seg` (None: MP3/AAC, or none yet)."""
        found = None
        for h in self._headers:
            if h.data is None and (h.seg.seq, h.index) > (seg.seq, index):
                break
            found = h
        return found

    def _locate(self, t: float, containing: bool = False) -> tuple[_Segment | None, int]:
        segs = self._segments
        if not segs:
            return None, 0
        firsts = [s.first for s in segs]
        k = max(0, bisect_right(firsts, t + _EPS) - 1)
        seg = segs[k]
        rel = t - seg.first
        if containing and seg.times and rel < seg.dur:  # from where the entry at `t` starts
            rel = float(seg.times[max(0, bisect_right(seg.times, rel + _EPS) - 1)])
        index = bisect_left(seg.times, rel - _EPS)
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
