"""One recording from the station to the file, for `onair record` and the app alike.

Finds the airing to record in the guide (today's and tomorrow's schedule, station time),
opens the station's stream through the shared StreamHolder (the player and a recording
of one station hold the stream once; `reconnect=True`, so a drop is retried and becomes
a gap), runs the Recorder, and releases the stream. Blocking: the CLI calls it on its
main thread, the app's controller on a worker thread.

`Sources` is what services.py hands in: the holder, the reader's `can_hold`, the guide
(a station-local day of programs, read from the source, not a cached copy, so a program
that moved is seen) and the playlist fetcher.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from infra.errors import BadInput, OnAirError, SourceUnavailable
from infra.http import HttpClient
from infra.http_types import Fetched, Fetcher
from infra.urls import one_line
from player.resolver import lazy_candidates, resolve_stream
from player.stations import Station
from recording import model
from recording.engine_api import Buffer, Holder, Reader
from recording.model import Plan
from recording.recorder import Outcome, Recorder
from schedule.model import Program

CONNECT_S = 15.0  # a stream that holds no audio by then cannot be reached
SETTLE_S, SETTLE_MAX_S = 1.0, 4.0  # the burst on connect has come in (see _settled)
LEAD_S = 30.0  # the stream is opened this long before a program's start (and its padding)
GuideDay = Callable[[Station, date], Sequence[Program]]


@dataclass(frozen=True)
class Sources:
    holder: Holder
    can_hold: Callable[[str], bool]
    guide: GuideDay
    fetch: Fetcher
    clock: Callable[[], float] = time.time

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)


def station_zone(station: Station) -> ZoneInfo:
    try:
        return ZoneInfo(station.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f'{station.id}: unknown time zone "{one_line(station.timezone)}"') \
            from None


def programs_near(sources: Sources, station: Station, at: datetime) -> list[Program]:
    """The programs of the station-local day of `at` and the next day (and the day before,
    for a program on now since before midnight). Only the day of `at` failing is an error."""
    today = at.astimezone(station_zone(station)).date()
    found: list[Program] = list(sources.guide(station, today))
    for day in (today - timedelta(days=1), today + timedelta(days=1)):
        try:
            found += sources.guide(station, day)
        except SourceUnavailable:
            continue
    return sorted(set(found), key=lambda p: (p.start_ts, p.end_ts))


def find_airing(sources: Sources, station: Station, name: str, *, rule: str = "next",
                on_now: bool = True, weekday: int | None = None,
                after: datetime | None = None) -> Program | None:
    """The airing of `name` to record next (see model.next_airing). BadInput (exit 2,
    naming the closest titles) when no airing of that title is on today's or tomorrow's
    schedule at all; None when there are airings but the rule takes none of them yet."""
    at = sources.now()
    programs = programs_near(sources, station, at)
    ahead = [p for p in programs if p.end_ts > at.timestamp()]
    if not model.airings(ahead, name):
        raise model.no_such_program(station.id, name, ahead or programs)
    return model.next_airing(programs, name, at, rule=rule, tz=station_zone(station),
                             weekday=weekday, on_now=on_now, after_start=after)


def open_stream(sources: Sources, station: Station, timeout: float = CONNECT_S) -> Reader:
    """The station's stream held (the first mirror that gives audio); SourceUnavailable
    (exit 3) naming the station and why when none can be held."""
    problems: list[str] = []
    try:
        for url in lazy_candidates(station, lambda u: resolve_stream(u, sources.fetch)):
            if not sources.can_hold(url):
                problems.append(f"{one_line(url)}: catch-up not available for this stream")
                continue
            reader = sources.holder.acquire(url, reconnect=True)
            if reader.wait_ready(timeout) and reader.codec in model.EXTENSIONS:
                _settled(reader.buffer, sources.clock)
                return reader
            problems.append(reader.error or f"no audio within {timeout:g} s")
            sources.holder.release(reader)
    except OnAirError as err:
        problems.append(str(err))
    why = problems[0] if problems else "no streams"
    raise SourceUnavailable(f'station "{station.id}": stream not reachable ({one_line(why)})')


def _settled(buffer: Buffer, clock: Callable[[], float]) -> None:
    """Wait (up to SETTLE_MAX_S) until the buffer's oldest moment stays put for SETTLE_S:
    while the server's burst of past audio comes in, the frames held first move back in
    time, and a cursor placed among them would start the file seconds early."""
    deadline = clock() + SETTLE_MAX_S
    start, since = buffer.start, clock()
    while clock() < deadline and clock() - since < SETTLE_S:
        time.sleep(0.1)
        if buffer.start != start:
            start, since = buffer.start, clock()


def follower(sources: Sources, station: Station) -> Callable[[Plan], Plan]:
    """Read the guide again and return the plan with the airing's new end (or as it was
    when the airing is gone from the guide)."""
    def follow(plan: Plan) -> Plan:
        programs = programs_near(sources, station, plan.start)
        was = Program(plan.title, plan.start, plan.end)
        now = model.follow(programs, was)
        return plan if now is None or now.end == plan.end else plan.moved_to(now)

    return follow


def wait_for(sources: Sources, station: Station, plan: Plan, stop: threading.Event,
             *, step_s: float = 60.0) -> Plan | None:
    """Sleep until the stream must be opened for `plan`, reading the guide again now and
    then (the airing may move); the plan as it stands then, None when stopped."""
    while True:
        left = plan.begin_ts - LEAD_S - sources.clock()
        if left <= 0:
            return plan
        if stop.wait(min(left, step_s)):
            return None
        try:
            programs = programs_near(sources, station, plan.start)
        except OnAirError:
            continue
        moved = model.follow(programs, Program(plan.title, plan.start, plan.end))
        if moved is not None and (moved.start, moved.end) != (plan.start, plan.end):
            plan = model.plan_for(plan.station_id, plan.station_name, moved,
                                  station_zone(station), plan.padding_s)


def record(sources: Sources, station: Station, plan: Plan, folder: Path, *,
           stop: threading.Event | None = None, follow: bool = True,
           on_started: Callable[[Recorder], None] | None = None) -> Outcome | None:
    """Hold the stream, record `plan` into `folder`, let the stream go. None when stopped
    before anything was written; SourceUnavailable when the stream cannot be reached."""
    reader = open_stream(sources, station)
    try:
        recorder = Recorder(reader.buffer, reader.codec or "mp3", folder, plan,
                            follow=follower(sources, station) if follow else None,
                            clock=sources.clock)
        if on_started is not None:
            on_started(recorder)
        return recorder.run(stop)
    finally:
        sources.holder.release(reader)


class Revalidating:
    """The shared HttpClient asking the source on every GET (conditionally when the copy has
    a validator): the guide a recording reads again must show a program that moved, not the
    copy cached minutes ago. Only `get` is used (by the Composer client)."""

    def __init__(self, http: HttpClient) -> None:
        self._http = http

    def get(self, url: str, **options: Any) -> Fetched:
        return self._http.get(url, revalidate=True, **options)
