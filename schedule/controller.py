"""GuideController: the program guide of the selected station, for the views.

Fetches run on the task runner's background lane (the first after a switch ahead of
what is queued there) and land back on the Kivy thread, here and in
schedule/roster.py (which it owns: on now at the other stations). `tick()`, called by
the controller's own timer every second, re-evaluates on now / up next from the clock
and starts the polite refresh of schedule/refresh.py when it is due. When
the source fails, the programs already shown stay, with status "stale" and a
message saying from when.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty

from infra.errors import OnAirError
from infra.http import HttpClient
from infra.tasks import Task, TaskRunner
from infra.timefmt import copy_time, now_utc
from player.stations import ScheduleSource, Station
from schedule import guide
from schedule.composer import SOURCE, ComposerClient
from schedule.discover import schedule_source
from schedule.model import DaySchedule, Program
from schedule.refresh import GuideState, RefreshPolicy, is_due
from schedule.roster import StationRoster

TICK_S = 1.0
STATUSES = ("idle", "loading", "ok", "stale", "unavailable", "none")


def _short(err: BaseException) -> str:
    """The error's message without the trailing " (url)", for a one-line status."""
    text = str(err) if isinstance(err, OnAirError) else f"{SOURCE}: internal error"
    head, sep, _ = text.rpartition(" (")
    return head if sep and text.endswith(")") and "://" in text[len(head):] else text


class GuideController(EventDispatcher):
    station = ObjectProperty(None, allownone=True)
    # The program on now ("on_now" would be read as an event name by Kivy).
    current = ObjectProperty(None, allownone=True)
    up_next = ObjectProperty(None, allownone=True)
    today = ListProperty([])
    status = OptionProperty("idle", options=STATUSES)
    message = StringProperty("")
    fetched_at = ObjectProperty(None, allownone=True)

    def __init__(self, http: HttpClient, *, tasks: TaskRunner,
                 clock: Callable[[], datetime] = now_utc, policy: RefreshPolicy | None = None,
                 local_tz: tzinfo | None = None, stations: Sequence[Station] = (),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.http = http
        self._tasks = tasks
        self.clock = clock
        self.policy = policy or RefreshPolicy()
        self.local_tz = local_tz  # the listener's zone for messages (None: the system's)
        self._client: ComposerClient | None = None
        self._tz: ZoneInfo | None = None
        self._state = GuideState()
        self._task: Task | None = None
        # On now at the other stations (`stations`), and the programs of stations shown before.
        self.roster = StationRoster(http, stations, tasks=tasks, clock=clock)
        self._closed = False
        # The guide keeps its own time: on now / up next change at program boundaries and
        # refreshes fall due with no view on screen (a tick costs microseconds).
        self._timer = Clock.schedule_interval(lambda _dt: self.tick(), TICK_S)

    # -- public -----------------------------------------------------------------------------
    def set_station(self, station: Station | None) -> None:
        """Show `station`'s guide (fetching it); None clears the guide."""
        self._cancel()
        self._client, self._tz, self._state = None, None, GuideState()
        self.today, self.current, self.up_next, self.fetched_at = [], None, None, None
        self.station = station
        if station is None:
            self.status, self.message = "idle", ""
            return
        try:
            self._tz = ZoneInfo(station.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.status, self.message = "none", f"Unknown time zone {station.timezone!r}"
            return
        if station.schedule is not None and station.schedule.ucs is None:
            self.status, self.message = "loading", ""
            self._find_source(station, first=True)
            return
        self._use_source(station, station.schedule, first=True)

    def _find_source(self, station: Station, *, first: bool = False) -> None:
        """The Composer id is only on the station's website: read it there first.

        A failure is retried by tick() with the refresh policy's backoff."""
        self._state = self._state.attempted(self.clock())
        self._task = self._tasks.background(
            lambda: schedule_source(self.http, station),
            lambda source: self._use_source(station, source, first=first), self._failed,
            first=first)

    def _use_source(self, station: Station, source: ScheduleSource | None,
                    *, first: bool = False) -> None:
        self._task = None
        self._state = GuideState()
        if source is None or source.source != "composer":
            self.status, self.message = "none", f"No program guide for {station.name}"
            return
        self._client = ComposerClient(self.http, source, self._tz)
        self.status, self.message = "loading", ""
        seen = self.roster.programs(station.id)
        if seen:
            self._show(list(seen))
        self.refresh(first=first)

    def refresh(self, *, first: bool = False) -> None:
        """Fetch now (unless a fetch is running or there is nothing to fetch); the first fetch
        after a switch goes ahead of the background lane's queue."""
        if self._client is None or self._task is not None or self._closed:
            return
        client, at = self._client, self.clock()
        self._state = self._state.attempted(at)
        if not self.today:
            self.status = "loading"
        self._task = self._tasks.background(lambda: client.around(at), self._loaded,
                                            self._failed, first=first)

    def tick(self) -> None:
        """Re-evaluate on now / up next from the clock; start a refresh when it is due."""
        if self._closed:
            return
        at = self.clock()
        programs = self.today
        now, nxt = guide.on_now(programs, at), guide.up_next(programs, at)
        if now != self.current:
            self.current = now
        if nxt != self.up_next:
            self.up_next = nxt
        if self._task is None and self.station is not None and self._tz is not None \
                and is_due(self._state, at, self._tz, self.policy):
            if self._client is not None:
                self.refresh()
            elif self.status == "unavailable" and self.station.schedule is not None:
                self._find_source(self.station)  # the website could not be read: try again
        if self._task is None:  # the selected station's guide first, then the list's
            self.roster.tick(skip=self.station.id if self.station is not None else None)

    def on_now_for(self, station_id: str) -> Program | None:
        """What is on a station now (None if its programs are not known yet)."""
        if self.station is not None and self.station.id == station_id:
            return self.current
        return self.roster.on_now(station_id)

    def shutdown(self) -> None:
        self._closed = True
        self._timer.cancel()
        self._cancel()
        self.roster.shutdown()

    # -- internals --------------------------------------------------------------------------
    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def _show(self, programs: list[Program]) -> None:
        self.today = programs
        self.tick()

    def _loaded(self, day: DaySchedule) -> None:
        self._task = None
        at = self.clock()
        programs = list(day.programs)
        if self.station is not None:
            self.roster.remember(self.station.id, day)
        self.fetched_at = day.fetched_at
        if day.stale:
            self._state = self._state.failed(at)
            self.status, self.message = "stale", self._stale_message()
        else:
            self._state = self._state.succeeded(at, day.day, tuple(p.start for p in programs))
            self.status, self.message = "ok", ""
        self._show(programs)

    def _failed(self, err: BaseException) -> None:
        self._task = None
        self._state = self._state.failed(self.clock())
        if self.today:
            self.status, self.message = "stale", self._stale_message()
        else:
            self.status, self.message = "unavailable", f"Schedule unavailable: {_short(err)}"

    def _stale_message(self) -> str:
        when = copy_time(self.fetched_at, self.local_tz) if self.fetched_at else "an earlier"
        return f"Schedule unavailable: {SOURCE} (showing {when} copy)"
