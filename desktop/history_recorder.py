"""HistoryRecorder: writes the listening history (desktop.history) as the player plays.

A stretch of listening starts when a station's live stream plays, and is one program long:
when the guide's on-now changes, the stretch ends and the next program's begins; a pause,
stop, switch or newscast ends it. A pause or a drop shorter than REJOIN (and the same
program after it) carries on the stretch before it. A stretch begun before the guide knew
the program takes the program's name when it comes. Each new stream title heard is noted
with its time (not twice in a row for one station).

Runs on the Kivy thread (bindings, a heartbeat every HEARTBEAT_S that moves the open
stretch's end on, so a crash loses at most that much); the file is written off it, on the
task runner's background lane (HistoryStore serialises the writes). `history` (a Kivy
property) is what the History view lists. `close()` ends the open stretch and writes at once
(the app's and `onair play`'s exit).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.logger import Logger
from kivy.properties import ObjectProperty

from desktop.history import MAX_HEARD, MAX_LISTENS, Heard, History, HistoryStore, Listen, one_line

HEARTBEAT_S = 30.0
SAVE_DELAY_S = 1.0
REJOIN = timedelta(seconds=90)
CONTINUING = frozenset({"buffering", "reconnecting"})  # the stream is on its way back


class HistoryRecorder(EventDispatcher):
    history = ObjectProperty(History())

    def __init__(self, player: Any, guide: Any, store: HistoryStore, *, tasks: Any,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.player, self.guide, self.store = player, guide, store
        self._tasks, self._clock = tasks, clock
        self._open = False  # the last listen in `history` is still going on
        self._generation = 0
        self._enabled = True
        self._save_soon = Clock.create_trigger(self._save_async, SAVE_DELAY_S)
        self._heartbeat = None
        self._bound = False

    def start(self) -> None:
        """Read the file (a bad one is set aside, said once) and follow the player."""
        self.history = self.store.load()
        if self.store.blocked:  # a bad file that could not even be moved: record nothing
            Logger.warning("History: not recording (%s)", self.store.blocked)
            self._enabled = False
            return
        self.player.bind(state=self._update, station=self._update, mode=self._update,
                         now_playing=self._on_title)
        if self.guide is not None:
            self.guide.bind(current=self._update)
        self._bound = True
        self._heartbeat = Clock.schedule_interval(lambda _dt: self._update(), HEARTBEAT_S)
        self._update()

    def close(self) -> None:
        """End the open stretch now and write the file before returning."""
        if self._bound:
            self.player.unbind(state=self._update, station=self._update, mode=self._update,
                               now_playing=self._on_title)
            if self.guide is not None:
                self.guide.unbind(current=self._update)
            self._bound = False
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        self._save_soon.cancel()
        if not self._enabled:
            return
        self._end(self._clock())
        self._generation += 1
        try:
            self.store.save(self.history, self._generation)
        except OSError as err:
            Logger.warning("History: %s could not be written (%s)", self.store.path, err)

    # -- what plays ------------------------------------------------------------------------
    def _program(self, station_id: str) -> str:
        guide = self.guide
        if guide is None or getattr(guide.station, "id", None) != station_id:
            return ""
        return one_line(guide.current.title) if guide.current is not None else ""

    def _listening(self) -> Any:
        p = self.player
        if p.mode != "live" or p.station is None:
            return None
        last = self.history.listens[-1] if self._open and self.history.listens else None
        if p.state == "playing" or (p.state in CONTINUING and last is not None
                                    and last.station == p.station.id):
            return p.station
        return None

    def _update(self, *_args: object) -> None:
        now = self._clock()
        station = self._listening()
        if station is None:
            self._end(now)
            return
        program = self._program(station.id)
        listens = self.history.listens
        last = listens[-1] if listens else None
        same = last is not None and last.station == station.id
        if self._open and same and last.program == program:
            self._put(Listen(last.station, last.station_name, program, last.start, now), True)
        elif self._open and same and not last.program and program:
            self._put(Listen(last.station, last.station_name, program, last.start, now), True)
        elif not self._open and same and last.program == program and now - last.end <= REJOIN:
            self._put(Listen(last.station, last.station_name, program, last.start, now), True)
        else:
            self._end(now)
            self._put(Listen(station.id, one_line(station.name), program, now, now), False)
        self._open = True

    def _end(self, now: datetime) -> None:
        if not self._open:
            return
        self._open = False
        last = self.history.listens[-1]
        self._put(Listen(last.station, last.station_name, last.program, last.start,
                         max(now, last.start)), True)

    def _on_title(self, _player: object, title: str) -> None:
        station = self._listening()
        text = one_line(title)
        if station is None or not text:
            return
        previous = next((h for h in reversed(self.history.heard) if h.station == station.id),
                        None)
        if previous is not None and previous.title == text:
            return
        self._set(self.history.with_heard(Heard(station.id, one_line(station.name), text,
                                                self._clock())))

    def _put(self, listen: Listen, replace_last: bool) -> None:
        self._set(self.history.with_listen(listen, replace_last=replace_last))

    def _set(self, history: History) -> None:
        if len(history.listens) > MAX_LISTENS or len(history.heard) > MAX_HEARD:
            history = history.capped()  # memory holds no more than the file
        self.history = history
        self._save_soon()

    # -- the file --------------------------------------------------------------------------
    def _save_async(self, _dt: float = 0) -> None:
        if not self._enabled:
            return
        self._generation += 1
        history, generation = self.history, self._generation
        self._tasks.background(lambda: self.store.save(history, generation), lambda _r: None,
                               lambda err: Logger.warning("History: %s could not be written "
                                                          "(%s)", self.store.path, err))
