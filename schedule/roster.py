"""What is on now at every station, for the station list.

The selected station's guide (GuideController) refreshes around its program
boundaries. The list only needs each other station's on-now title, and the
day's programs answer that from the clock. So the roster fetches each station's
day in the background, one station at a time and never while the selected
station's guide is fetching. It fetches the day once, asks again at most every
12 hours (usually a cache hit or a 304), fetches the next day after station-local
midnight, and after a failure waits 10, 30, then 60 minutes before retrying.
A station without a guide is never asked. A station whose Composer id is only on
its homepage is discovered first; the homepage answer is cached like any request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kivy.event import EventDispatcher
from kivy.properties import NumericProperty

from infra.http import HttpClient
from infra.tasks import Task, TaskRunner
from player.stations import Station
from schedule import guide
from schedule.composer import ComposerClient
from schedule.discover import schedule_source
from schedule.model import DaySchedule, Program
from schedule.refresh import ROSTER_POLICY, GuideState, RefreshPolicy, is_due


def fetch_station_day(http: HttpClient, station: Station, tz: ZoneInfo,
                      at: datetime) -> DaySchedule | None:
    """The station's programs around `at` (None: the station has no guide). Blocking."""
    source = schedule_source(http, station)
    if source is None or source.source != "composer":
        return None
    return ComposerClient(http, source, tz).around(at)


def _zone(station: Station) -> ZoneInfo | None:
    try:
        return ZoneInfo(station.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class StationRoster(EventDispatcher):
    """Programs of every catalogue station, fetched politely in the background."""

    changed = NumericProperty(0)  # bumped whenever a station's programs change

    def __init__(self, http: HttpClient, stations: Sequence[Station] = (), *,
                 tasks: TaskRunner, clock: Callable[[], datetime],
                 policy: RefreshPolicy = ROSTER_POLICY, **kwargs) -> None:
        super().__init__(**kwargs)
        self.http = http
        self._tasks = tasks
        self.stations = tuple(stations)
        self.clock = clock
        self.policy = policy
        self._programs: dict[str, tuple[Program, ...]] = {}
        self._states: dict[str, GuideState] = {}
        self._no_guide: set[str] = set()
        self._task: Task | None = None
        self._closed = False

    def programs(self, station_id: str) -> tuple[Program, ...]:
        return self._programs.get(station_id, ())

    def on_now(self, station_id: str) -> Program | None:
        return guide.on_now(self._programs.get(station_id, ()), self.clock())

    def remember(self, station_id: str, day: DaySchedule) -> None:
        """Keep what the selected station's guide fetched (so no second request for it)."""
        if not day.stale:
            self._states[station_id] = GuideState().succeeded(self.clock(), day.day, ())
        self._store(station_id, day.programs)

    def tick(self, skip: str | None = None) -> None:
        """Start the next due fetch, if none is running; `skip` is the selected station."""
        if self._closed or self._task is not None:
            return
        at = self.clock()
        for station in self.stations:
            if station.id == skip or station.schedule is None or station.id in self._no_guide:
                continue
            tz = _zone(station)
            if tz is not None and is_due(self._states.get(station.id, GuideState()), at, tz,
                                         self.policy):
                self._fetch(station, tz, at)
                return

    def shutdown(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            self._task = None

    # -- internals --------------------------------------------------------------------------
    def _fetch(self, station: Station, tz: ZoneInfo, at: datetime) -> None:
        state = self._states.get(station.id, GuideState())
        self._states[station.id] = state.attempted(at)
        self._task = self._tasks.background(
            lambda: fetch_station_day(self.http, station, tz, at),
            lambda day: self._loaded(station.id, day), lambda _err: self._failed(station.id))

    def _loaded(self, station_id: str, day: DaySchedule | None) -> None:
        self._task = None
        if day is None:
            self._no_guide.add(station_id)
            return
        if day.stale:
            self._failed(station_id)
        else:
            self._states[station_id] = GuideState().succeeded(self.clock(), day.day, ())
        self._store(station_id, day.programs)

    def _failed(self, station_id: str) -> None:
        self._task = None
        self._states[station_id] = self._states[station_id].failed(self.clock())

    def _store(self, station_id: str, programs: tuple[Program, ...]) -> None:
        if self._programs.get(station_id) != programs:
            self._programs[station_id] = programs
            self.changed += 1
