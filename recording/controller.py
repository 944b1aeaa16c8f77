"""RecordingController: recordings while the app runs (Up Next's "Record").

A Kivy EventDispatcher built by services.py over the recording Sources (the app's StreamHolder,
so a recording of the station playing shares its held stream), the ScheduleStore and the
listener's stations. "Record" on the program on now records it from its start when the
buffer holds that start (the player held the station long enough), else from the oldest
moment held; on a later program it schedules that airing (rule "next"); "every weekday" /
"every week" keep a rule. Every CHECK_S its own timer looks up, on the background lane, the
next airing of each scheduled entry; one that is due (LEAD_S before its start) records on
a thread of its own (session.record blocks for the program's length). Results come back
on the Kivy thread. At start, the recordings an unclean exit left are finished (only On
Air's own: recording.recovery).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import ListProperty, StringProperty

from infra.errors import OnAirError
from infra.tasks import TaskRunner
from player.stations import Station
from recording import model
from recording.recorder import Outcome
from recording.recovery import recover
from recording.session import (
    LEAD_S,
    Sources,
    find_airing,
    programs_near,
    record,
    station_zone,
)
from recording.store import Scheduled, ScheduleStore, new_id
from schedule.model import Program

log = logging.getLogger(__name__)
CHECK_S = 20.0
CHOICES = ("once", "weekday", "weekly")  # what the Record menu offers


class RecordingController(EventDispatcher):
    scheduled = ListProperty([])  # Scheduled entries, as stored
    active = ListProperty([])  # {"key", "station", "title", "path"} of recordings running
    message = StringProperty("")  # one line: the last file finished, or what went wrong

    def __init__(self, sources: Sources, store: ScheduleStore, *,
                 stations: Callable[[], Sequence[Station]], folder: Callable[[], Path],
                 tasks: TaskRunner, check_s: float = CHECK_S, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sources, self.store, self.tasks = sources, store, tasks
        self._stations, self._folder = stations, folder
        self._stops: dict[str, threading.Event] = {}  # key -> stop, per running recording
        self._threads: list[threading.Thread] = []
        self._looking: set[str] = set()  # entries whose airing is being looked up
        self._closed = False
        self._load()
        tasks.background(lambda: recover(folder()), self._recovered, self._failed)
        self._timer = Clock.schedule_interval(lambda _dt: self.check(), check_s)

    # -- what the view calls -----------------------------------------------------------------
    def record(self, station: Station, program: Program, choice: str = "once") -> None:
        """The Record menu: `choice` "once" records the program on now at once (from its
        start when held) or schedules a later airing; "weekday" / "weekly" keep a rule.
        A problem (a station's unknown zone, a bad schedule file) goes to `message`."""
        try:
            self._record(station, program, choice)
        except OnAirError as err:
            self.message = str(err)

    def _record(self, station: Station, program: Program, choice: str) -> None:
        now = self.sources.now()
        if choice == "once" and program.start_ts <= now.timestamp() < program.end_ts:
            self._start(f"now:{station.id}:{program.start_ts}", station,
                        model.plan_for(station.id, station.name, program, station_zone(station)))
            return
        rule = {"once": "next", "weekday": "weekday", "weekly": "weekly"}[choice]
        tz = station_zone(station)
        entry = Scheduled(id=new_id(), station=station.id, program=program.title, rule=rule,
                          at=program.start.isoformat() if rule == "next" else None,
                          weekday=program.start.astimezone(tz).weekday()
                          if rule == "weekly" else None)
        self.store.add(entry)
        self._load()
        self.message = f'Scheduled "{program.title}"' + (
            "" if rule == "next" else f" every {'weekday' if rule == 'weekday' else 'week'}")
        self.check()

    def is_scheduled(self, station_id: str, program: Program) -> bool:
        """Whether `program` (this airing, or by a rule) will be or is being recorded."""
        for entry in self.scheduled:
            if entry.station != station_id or not model.same_program(entry.program,
                                                                     program.title):
                continue
            if entry.rule != "next" or entry.at_time == program.start:
                return True
        return any(a["station"] == station_id and a["title"] == program.title
                   for a in self.active)

    def cancel(self, entry_id: str) -> None:
        """Unschedule an entry (its recording, if running, stops and keeps its file)."""
        self.stop(entry_id)
        try:
            self.store.remove(entry_id)
        except OnAirError as err:
            self.message = str(err)
        self._load()

    def stop(self, key: str) -> None:
        """Stop a running recording (the file keeps what was recorded)."""
        if key in self._stops:
            self._stops[key].set()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop the timer and every recording, and wait (up to `timeout`) for their files
        to be finished and kept (one cut short by a quit is finished next time)."""
        self._closed = True
        self._timer.cancel()
        for stop in self._stops.values():
            stop.set()
        for thread in self._threads:
            thread.join(timeout)

    # -- the schedule ------------------------------------------------------------------------
    def check(self) -> None:
        """Look up the next airing of each scheduled entry not already being recorded."""
        if self._closed:
            return
        stations = {s.id: s for s in self._stations()}
        for entry in self.scheduled:
            station = stations.get(entry.station)
            if station is None or entry.id in self._looking or entry.id in self._stops:
                continue
            self._looking.add(entry.id)
            self.tasks.background(lambda e=entry, s=station: self._airing(e, s),
                                  lambda found, e=entry, s=station: self._due(e, s, found),
                                  lambda err, e=entry: self._lookup_failed(e, err))

    def _airing(self, entry: Scheduled, station: Station) -> Program | None:
        """The airing `entry` takes next (worker thread); for the rule "next" that airing,
        or the one of that title nearest its time when it moved."""
        if entry.rule != "next":
            return find_airing(self.sources, station, entry.program, rule=entry.rule,
                               weekday=entry.weekday, after=entry.last_time)
        at = entry.at_time
        programs = programs_near(self.sources, station, self.sources.now())
        same = [p for p in model.airings(programs, entry.program) if p.start == at]
        return same[0] if same else model.follow(programs, Program(entry.program, at, at))

    def _due(self, entry: Scheduled, station: Station, airing: Program | None) -> None:
        self._looking.discard(entry.id)
        if self._closed or airing is None or entry.id in self._stops:
            return
        plan = model.plan_for(station.id, station.name, airing, station_zone(station),
                              entry.padding_s)
        if plan.begin_ts - LEAD_S <= self.sources.clock() < plan.cut_ts:
            self._start(entry.id, station, plan, entry)
        elif plan.cut_ts <= self.sources.clock() and entry.rule == "next":
            self.cancel(entry.id)  # its airing is over (the app was not running)

    def _lookup_failed(self, entry: Scheduled, err: BaseException) -> None:
        self._looking.discard(entry.id)
        log.info("scheduled recording %s: %s", entry.program, err)

    # -- the recordings ----------------------------------------------------------------------
    def _start(self, key: str, station: Station, plan: model.Plan,
               entry: Scheduled | None = None) -> None:
        if key in self._stops:
            return
        stop = self._stops[key] = threading.Event()
        self.active = [*self.active, {"key": key, "station": station.id, "title": plan.title,
                                      "path": ""}]
        folder = Path(entry.out) if entry is not None and entry.out else self._folder()
        self.message = f'Recording "{plan.title}"'

        def run() -> None:
            try:
                outcome = record(self.sources, station, plan, folder, stop=stop)
            except Exception as err:  # noqa: BLE001 - reported on the Kivy thread
                failure = err
                Clock.schedule_once(lambda _dt: self._ended(key, entry, None, failure), 0)
                return
            Clock.schedule_once(lambda _dt: self._ended(key, entry, outcome, None), 0)

        thread = threading.Thread(target=run, name="onair-recording", daemon=True)
        self._threads = [*(t for t in self._threads if t.is_alive()), thread]
        thread.start()

    def _ended(self, key: str, entry: Scheduled | None, outcome: Outcome | None,
               err: BaseException | None) -> None:
        self._stops.pop(key, None)
        self.active = [a for a in self.active if a["key"] != key]
        if err is not None:
            self.message = str(err) if isinstance(err, OnAirError) else \
                f"Recording failed ({err.__class__.__name__})"
            return
        if outcome is None:
            return
        self.message = f"Recorded {outcome.path.name}" + (
            f" ({outcome.note})" if outcome.note else "")
        if entry is None:
            return
        try:
            if entry.rule == "next":
                self.store.remove(entry.id)
            else:
                self.store.update(entry.with_(last_start=outcome.plan.start.isoformat()))
        except OnAirError as err2:
            self.message = str(err2)
        self._load()

    def _load(self) -> None:
        try:
            self.scheduled = self.store.load()
            if self.store.problem:  # a bad file, moved aside: say where it was kept
                self.message = self.store.problem
        except OnAirError as err:
            self.scheduled = []
            self.message = str(err)

    def _recovered(self, paths: list[Path]) -> None:
        if paths:
            self.message = f"Finished {len(paths)} recording(s) left by an unclean exit"

    def _failed(self, err: BaseException) -> None:
        log.warning("recordings: %s", err)
