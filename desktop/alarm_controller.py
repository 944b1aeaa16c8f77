"""AlarmController: the listener's alarms while the app runs, and VolumeRamp, the rise of the
volume when one fires (the GUI and `onair alarm` share it).

A Kivy EventDispatcher built by services.py over the AlarmStore (desktop.alarm), the player
controller and the library's stations. It checks the clock every second (its own interval);
an alarm that is due plays its station and ramps the volume up from low to the listener's
volume for that station over the alarm's `ramp_s`, starting when the audio starts. Setting
an alarm for a program fetches the station's schedule for today and tomorrow on the task
runner's interactive lane (the listener waits for it) through the injected `programs_for`,
and answers on the Kivy thread. Every change is saved at once (atomically).

The ramp steers the player's volume; a change that is not the ramp's (a key, the slider,
MPRIS) ends it, and the listener's volume stays. `listener_volume()` says which volume the
app should remember while a ramp runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import ListProperty, StringProperty

from desktop.alarm import (
    MAX_ALARMS,
    MISSED_AFTER_S,
    RAMP_S,
    Alarm,
    AlarmStore,
    find_program,
    new_alarm,
    next_occurrence,
    no_program_message,
    parse_hhmm,
    ramp_volume,
)
from infra.errors import BadInput, OnAirError
from infra.tasks import TaskRunner
from infra.timefmt import now_utc
from player.states import IDLE
from player.stations import Station
from schedule.model import Program

log = logging.getLogger(__name__)
TICK_S = 1.0
RAMP_TICK_S = 0.25
ProgramsFor = Callable[[Station, date], Sequence[Program]]  # a station-local day's programs


def station_days(station: Station, now: datetime) -> tuple[date, date]:
    """Today and tomorrow at the station (its zone; UTC when the zone is unknown)."""
    try:
        tz: tzinfo = ZoneInfo(station.timezone)
    except (ValueError, KeyError):
        tz = UTC
    today = now.astimezone(tz).date()
    return today, today + timedelta(days=1)


def program_alarm(station: Station, name: str, programs_for: ProgramsFor, now: datetime,
                  ramp_s: float = RAMP_S) -> Alarm:
    """An alarm for the next start of `name` (blocking: fetches two days of schedule).
    BadInput naming close titles when neither day has it; SourceUnavailable passes through."""
    if not name.strip():
        raise BadInput("alarm: the program's name is empty")
    programs: list[Program] = []
    for day in station_days(station, now):
        programs += programs_for(station, day)
    found = find_program(programs, name, now)
    if found is None:
        raise BadInput(no_program_message(station.name, name, programs))
    return new_alarm(station.id, station.name, found.start, program=found.title, ramp_s=ramp_s)


class VolumeRamp:
    """Raises `player`'s volume from low to `target` over `ramp_s`, from its first audio.
    `start()` sets the low volume at once; the ramp ends at `target`, when the volume is
    changed by someone else (theirs stays), when playback stops or pauses (`target` is set,
    so the next play is as loud as the listener's), or with `stop()`."""

    def __init__(self, player: Any, target: int, ramp_s: float = RAMP_S, *,
                 clock: Callable[[], float] = time.monotonic,
                 on_end: Callable[[], None] | None = None) -> None:
        self._player, self.target, self._ramp_s = player, int(target), ramp_s
        self._clock = clock
        self._on_end = on_end
        self._started_at: float | None = None
        self._set: int | None = None
        self._event = None

    @property
    def running(self) -> bool:
        return self._event is not None

    def start(self) -> None:
        self._player.bind(volume=self._on_volume, state=self._on_state)
        self._apply(ramp_volume(0, self.target, self._ramp_s))
        self._event = Clock.schedule_interval(lambda _dt: self.tick(), RAMP_TICK_S)

    def tick(self) -> None:
        if self._event is None:
            return
        if self._started_at is None:
            if self._player.state != "playing":
                return  # the ramp starts with the audio
            self._started_at = self._clock()
        volume = ramp_volume(self._clock() - self._started_at, self.target, self._ramp_s)
        self._apply(volume)
        if volume >= self.target:
            self.stop()

    def stop(self) -> None:
        if self._event is None:
            return
        self._event.cancel()
        self._event = None
        self._player.unbind(volume=self._on_volume, state=self._on_state)
        if self._on_end is not None:
            self._on_end()

    def _apply(self, volume: int) -> None:
        if volume != self._set:
            self._set = volume
            self._player.set_volume(volume)

    def _on_volume(self, _player: Any, volume: float) -> None:
        if int(volume) != self._set:
            self.stop()  # the listener's volume now

    def _on_state(self, _player: Any, state: str) -> None:
        if state in IDLE:
            self._apply(self.target)
            self.stop()


class AlarmController(EventDispatcher):
    alarms = ListProperty([])  # Alarm, soonest first
    next_text = StringProperty("")  # for the player bar: "Alarm 7:00 AM · KCUR 89.3"
    message = StringProperty("")  # the last problem or event, one line
    busy = StringProperty("")  # "Looking up Up To Date…" while a program is looked up

    def __init__(self, store: AlarmStore, player: Any, stations: Callable[[], Sequence[Station]],
                 *, tasks: TaskRunner, programs_for: ProgramsFor,
                 clock: Callable[[], datetime] = now_utc, local: tzinfo | None = None,
                 ramp_clock: Callable[[], float] = time.monotonic, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._store, self._player, self._stations = store, player, stations
        self._tasks, self._programs_for = tasks, programs_for
        self._clock, self.local, self._ramp_clock = clock, local, ramp_clock
        self._ramp: VolumeRamp | None = None
        self._lookup = None
        self.alarms = store.load()
        self.message = store.problem
        self._event = Clock.schedule_interval(lambda _dt: self.tick(), TICK_S)
        self._words()

    # -- the listener's requests --------------------------------------------------------
    def add_time(self, station: Station, hhmm: str) -> Alarm:
        """An alarm at the next HH:MM in the listener's zone (BadInput on a bad time)."""
        at = parse_hhmm(hhmm, "alarm time")
        due = next_occurrence(at, self._clock(), self.local)
        alarm = new_alarm(station.id, station.name, due, at=f"{at:%H:%M}")
        self._add(alarm)
        return alarm

    def add_program(self, station: Station, name: str) -> None:
        """An alarm for when `name` next starts; looked up off the UI thread, the answer (or
        the problem, with close names) lands in `alarms` or `message`."""
        if self._lookup is not None:
            self._lookup.cancel()
        now = self._clock()
        self.busy = f"Looking up {name.strip()[:60]}…"
        self._lookup = self._tasks.interactive(
            lambda: program_alarm(station, name, self._programs_for, now), self._looked_up,
            self._lookup_failed)

    def remove(self, alarm_id: str) -> None:
        self._save([a for a in self.alarms if a.id != alarm_id])
        self.message = ""

    def listener_volume(self) -> int | None:
        """While a ramp steers the volume: the listener's (its target); else None."""
        return self._ramp.target if self._ramp is not None else None

    def shutdown(self) -> None:
        self._event.cancel()
        if self._lookup is not None:
            self._lookup.cancel()
        if self._ramp is not None:
            self._ramp.stop()

    # -- firing ---------------------------------------------------------------------------
    def tick(self) -> None:
        now = self._clock()
        due = [a for a in self.alarms if a.due <= now]
        if not due:
            self._words()
            return
        self._save([a for a in self.alarms if a not in due])
        late = [a for a in due if (now - a.due).total_seconds() > MISSED_AFTER_S]
        for alarm in late:
            log.warning("alarm %s missed (due %s)", alarm.id, alarm.due.isoformat())
        fire = [a for a in due if a not in late]
        if fire:
            self.fire(fire[-1])  # several at once: the latest set time wins
        elif late:
            self.message = f"Missed alarm: {late[-1].words(self.local, now)}"

    def fire(self, alarm: Alarm) -> None:
        """Play the alarm's station, the volume rising to the listener's."""
        station = next((s for s in self._stations() if s.id == alarm.station_id), None)
        if station is None:
            self.message = f"Alarm: {alarm.station_name} is no longer in your stations"
            return
        if self._ramp is not None:
            self._ramp.stop()
        self._player.play(station)  # the app sets the station's own volume as it switches
        self._ramp = VolumeRamp(self._player, int(self._player.volume), alarm.ramp_s,
                                clock=self._ramp_clock, on_end=self._ramp_ended)
        self._ramp.start()
        self.message = f"Alarm: {alarm.words(self.local, self._clock())}"

    # -- internals --------------------------------------------------------------------------
    def _ramp_ended(self) -> None:
        self._ramp = None

    def _looked_up(self, alarm: Alarm) -> None:
        self._lookup, self.busy = None, ""
        try:
            self._add(alarm)
        except BadInput as err:
            self.message = str(err)

    def _lookup_failed(self, err: BaseException) -> None:
        self._lookup, self.busy = None, ""
        self.message = str(err) if isinstance(err, OnAirError) else f"Alarm: {err}"

    def _add(self, alarm: Alarm) -> None:
        if len(self.alarms) >= MAX_ALARMS:
            raise BadInput(f"alarm: at most {MAX_ALARMS} alarms; remove one first")
        self.message = f"Alarm set: {alarm.words(self.local, self._clock())}"
        self._save([*self.alarms, alarm])

    def _save(self, alarms: list[Alarm]) -> None:
        self.alarms = sorted(alarms, key=lambda a: a.due)
        try:
            self._store.save(self.alarms)
        except OSError as err:
            self.message = f"Alarms not saved: {self._store.path}: {err.strerror or err}"
        self._words()

    def _words(self) -> None:
        first = self.alarms[0] if self.alarms else None
        self.next_text = f"Alarm {first.words(self.local, self._clock())}" if first else ""
