"""What is on at an instant: pure functions over a list of programs (any order, gaps kept)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from schedule.model import Program


def on_now(programs: Iterable[Program], at: datetime) -> Program | None:
    """The program airing at `at` (the latest-started one if entries overlap); None in a gap."""
    t = at.timestamp()
    airing = [p for p in programs if p.start_ts <= t < p.end_ts]
    return max(airing, key=lambda p: p.start_ts) if airing else None


def up_next(programs: Iterable[Program], at: datetime) -> Program | None:
    """The first program starting after `at`."""
    t = at.timestamp()
    later = [p for p in programs if p.start_ts > t]
    return min(later, key=lambda p: p.start_ts) if later else None


def rest_of_day(programs: Iterable[Program], at: datetime) -> list[Program]:
    """The program on now and every later one, in order of start."""
    t = at.timestamp()
    return sorted((p for p in programs if p.end_ts > t), key=lambda p: p.start_ts)


def progress(program: Program, at: datetime) -> tuple[float, float]:
    """(elapsed, length) of `program` at `at`, in seconds; elapsed is kept within 0..length."""
    length = max(0.0, program.duration_s)
    elapsed = (at - program.start).total_seconds()
    return min(max(0.0, elapsed), length), length
