"""One recording: the stream's own frames from the catch-up buffer into a file.

The recorder reads a RingBuffer Cursor from the plan's start (the first frame at or after
it; the oldest moment held when the buffer does not reach back that far) and appends the
bytes, untouched, to `<name>.<ext>.onair-part`, renamed to `<name>.<ext>` when done. The
name is claimed exclusively (recording.claim: a second recording of the same airing into
the same folder gets `<name> (2).<ext>`), and the sidecar `<name>.json` naming the file
and its codec is written before the first byte: the marker by which recovery knows the
part is ours. The tags are written into the file next (recording.tags), so a crash never
leaves a half-moved tag block; the sidecar is rewritten as titles arrive.

The cut is the plan's end plus padding, at a frame boundary. Before it, `follow` (the
guide read again) may move it: a program that ends early is cut at its new end (bytes
written past it are truncated), one that runs longer is followed. A stream drop leaves
the cursor waiting; the reader reconnects and the recording goes on after a gap, noted in
the sidecar. A full disk (or any write error) stops the recording: the file is truncated
to the last whole write and kept. The part file is locked (flock) while written and
renamed before the lock is let go, so `recording.recovery.recover()` at the next start
finishes only what an unclean exit left.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from player.frames import FrameSplitter
from recording import tags
from recording.claim import PART, claim
from recording.engine_api import Buffer
from recording.model import Plan, extension, recording_name

log = logging.getLogger(__name__)

READ_BYTES = 4096  # a read past the cut is split into frames, so this is not the precision
WAIT_S = 0.5
FOLLOW_LEAD_S = 90.0  # the guide is read again this long before the cut
FOLLOW_EVERY_S = 20.0  # and again this often until the cut
LATE_S = 30.0  # the stream is down at the cut: wait this long past it, then stop
SIDECAR_EVERY_S = 5.0
LATE_START_S = 2.0  # a file that begins later than this after the plan's start says so


@dataclass
class Outcome:
    """How a recording ended: the file, the seconds of audio, whether it ran as planned,
    and why not (`note`, one line); `disk_full` when writing failed."""

    path: Path
    plan: Plan
    duration_s: float
    complete: bool
    note: str = ""
    disk_full: bool = False
    gaps: list[tuple[float, float]] = field(default_factory=list)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Recorder:
    """Records `plan` from `buffer` into `folder`. `follow(plan)` reads the guide again and
    returns the plan as it stands now (it may raise OnAirError: the old plan is kept)."""

    def __init__(self, buffer: Buffer, codec: str, folder: Path, plan: Plan, *,
                 follow: Callable[[Plan], Plan] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.buffer, self.codec, self.folder, self.plan = buffer, codec, Path(folder), plan
        self.follow, self.clock = follow, clock
        self.path: Path | None = None  # known once the file is opened
        self._cues_seen = 0
        self._gaps_seen = 0

    # -- the run -----------------------------------------------------------------------------
    def run(self, stop: threading.Event | None = None) -> Outcome | None:
        """Wait for the plan's start to be held, record to the cut, finish the file.
        None when stopped before anything was written."""
        stop = stop or threading.Event()
        while not self.buffer.wait_until(self.plan.begin_ts, WAIT_S):
            if stop.is_set() or self.clock() > self.plan.cut_ts + LATE_S:
                return None
        cursor = self.buffer.cursor(self.plan.begin_ts)
        begin = cursor.position
        self.folder.mkdir(parents=True, exist_ok=True)
        path, fd = claim(self.folder, recording_name(
            self.plan.station_name, self.plan.title, self.plan.start, extension(self.codec)))
        part = path.with_name(path.name + PART)
        self.path = path
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # The marker, before the first byte: the sidecar naming the file and its codec.
            self._sidecar(path, begin, 0.0, False, "recording", [])
            _write_all(fd, cursor.take_headers())  # Ogg: the header pages, tagged next
            note = tags.tag_file(part, self.plan) or ""
            written = os.lseek(fd, 0, os.SEEK_END)
            outcome = self._record(fd, path, cursor, begin, written, stop)
            late = begin - self.plan.begin_ts
            if late > LATE_START_S:  # the buffer did not reach back to the start
                note = "; ".join(filter(None, [note, f"began {late:.0f} s after the start "
                                                     "(the stream was not held before)"]))
            outcome.note = "; ".join(filter(None, [outcome.note, note]))
            os.replace(part, path)  # under the lock: recovery never takes a finished file
        finally:
            os.close(fd)  # releases the lock
        outcome.path = path
        self._sidecar(path, begin, outcome.duration_s, outcome.complete, outcome.note,
                      outcome.gaps)
        return outcome

    def _record(self, fd: int, path: Path, cursor, begin: float, written: int,
                stop: threading.Event) -> Outcome:
        plan, pos = self.plan, begin
        marks = [(begin, written)]  # (moment, file size): a cut moved back truncates there
        next_follow = next_sidecar = 0.0
        note, complete, disk_full = "", True, False
        while True:
            now = self.clock()
            if self.follow is not None and pos >= plan.cut_ts - FOLLOW_LEAD_S \
                    and now >= next_follow:
                plan = self._followed(plan)
                next_follow = self.clock() + FOLLOW_EVERY_S
            if pos >= plan.cut_ts:
                break
            if stop.is_set():
                note, complete = "stopped before the end", False
                break
            data = cursor.read(READ_BYTES, WAIT_S)
            if not data:
                if cursor.closed:
                    note, complete = "the stream was closed before the end", False
                    break
                if self.clock() > plan.cut_ts + LATE_S:
                    note, complete = "the stream was down at the end", False
                    break
                continue
            after = cursor.position
            if after > plan.cut_ts:
                data, after = self._until(data, pos, plan.cut_ts), plan.cut_ts
            try:
                _write_all(fd, data)
            except OSError as err:
                os.ftruncate(fd, written)
                heard = tags.file_offset(pos, begin, self._gaps(begin, pos))
                note = (f"{err.strerror or err} after {heard:.0f} s: kept what was written")
                complete, disk_full = False, True
                break
            written += len(data)
            pos = after
            marks.append((pos, written))
            if self.clock() >= next_sidecar:
                next_sidecar = self.clock() + SIDECAR_EVERY_S
                self._progress(path, plan, begin, pos)
        if pos > plan.cut_ts + 1.0:  # the guide moved the end back past what was written
            keep = next(((t, size) for t, size in marks if t >= plan.cut_ts), marks[-1])
            os.ftruncate(fd, keep[1])
            pos = keep[0]
        self.plan = plan
        gaps = self._gaps(begin, pos)
        return Outcome(path, plan, tags.file_offset(pos, begin, gaps), complete, note,
                       disk_full, gaps)

    def _until(self, data: bytes, t0: float, cut: float) -> bytes:
        """The frames of `data` (which starts at moment `t0`) that begin before `cut`."""
        frames = FrameSplitter(self.codec).feed(data)
        if not frames:  # a single frame: nothing to split
            return data
        kept, t = [], t0
        for frame, seconds in frames:
            if t >= cut:
                break
            kept.append(frame)
            t += seconds
        return b"".join(kept)

    def _followed(self, plan: Plan) -> Plan:
        try:
            return self.follow(plan) if self.follow is not None else plan
        except Exception as err:  # noqa: BLE001 - the guide failing keeps the planned cut
            log.warning("recording %s: the guide could not be read again (%s)", plan.title, err)
            return plan

    def _gaps(self, begin: float, pos: float) -> list[tuple[float, float]]:
        return [(max(a, begin), min(b, pos)) for a, b in self.buffer.gaps
                if b > begin and a < pos]

    # -- the sidecar -------------------------------------------------------------------------
    def _progress(self, path: Path, plan: Plan, begin: float, pos: float) -> None:
        """Rewrite the sidecar when a title or a gap came since the last write."""
        gaps = self._gaps(begin, pos)
        titles = self._titles(begin, pos)
        if len(titles) != self._cues_seen or len(gaps) != self._gaps_seen:
            self._cues_seen, self._gaps_seen = len(titles), len(gaps)
            self.plan = plan
            self._sidecar(path, begin, tags.file_offset(pos, begin, gaps), False, "recording",
                          gaps, end=pos)

    def _titles(self, begin: float, end: float) -> list[tuple[float, str]]:
        first = self.buffer.title_at(begin)
        heard = list(self.buffer.titles_between(begin, end))
        return ([(begin, first)] if first else []) + heard

    def _sidecar(self, path: Path, begin: float, duration_s: float, complete: bool,
                 note: str, gaps: list[tuple[float, float]], *, end: float | None = None
                 ) -> None:
        """Write the sidecar of the recording `path` (the final name, also while its part
        is written)."""
        end = begin + duration_s + sum(b - a for a, b in gaps) if end is None else end
        name = path.name
        data = tags.sidecar(self.plan, file=name, codec=self.codec, begin=begin,
                            duration_s=duration_s, complete=complete,
                            cues=tags.cue_points(self._titles(begin, end), begin, end, gaps),
                            gaps=tags.gap_entries(gaps, begin), note=note)
        problem = tags.write_sidecar(tags.sidecar_path(path), data)
        if problem:
            log.warning("recording %s: %s", name, problem)
