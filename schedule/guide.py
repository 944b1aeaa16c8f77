"""What is on at an instant: pure functions over a list of programs (any order, gaps kept)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from schedule.model import Program


def on_now(programs: Iterable[Program], at: datetime) -> Program | None:
    """The program airing at `at` (the latest-started one if entries overlap); None in a gap."""
    airing = [p for p in programs if p.start <= at < p.end]
    return max(airing, key=lambda p: p.start) if airing else None


def up_next(programs: Iterable[Program], at: datetime) -> Program | None:
    """The first program starting after `at`."""
    later = [p for p in programs if p.start > at]
    return min(later, key=lambda p: p.start) if later else None


def rest_of_day(programs: Iterable[Program], at: datetime) -> list[Program]:
    """The program on now and every later one, in order of start."""
    return sorted((p for p in programs if p.end > at), key=lambda p: p.start)


def progress(program: Program, at: datetime) -> tuple[float, float]:
    """(elapsed, length) of `program` at `at`, in seconds; elapsed is kept within 0..length."""
    length = max(0.0, program.duration_s)
    elapsed = (at - program.start).total_seconds()
    return min(max(0.0, elapsed), length), length
