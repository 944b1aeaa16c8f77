"""SleepTimer: stop playback in N minutes, or at the end of the program on now, fading out.

A Kivy EventDispatcher owned by the GUI (services.py builds it over the player and guide
controllers and hands it in). Its own interval runs only while a timer is set, on the
injected wall clock (an aware UTC `now`, the guide's clock): "in N minutes" means N minutes
of wall time, so a machine that slept past the end stops at once when it wakes.

"At the end of this program" reads the end from the guide's program on now, and keeps
reading it: when a refresh of the guide moves that program (a new end, or a new start), the
timer follows; when the listener switches station, the program on now at the new station is
the one waited for (once its guide has loaded). The program that follows the one waited for
never moves the end on: at the boundary the guide's "on now" turns to it, and that is when
the timer stops.

The last `fade_s` seconds (30) turn the player's volume down, linearly in the volume the
listener sets (PulseAudio's software volume is cubic in amplitude, so this sounds smooth);
at the end the player stops and the volume is set back to the listener's, so the next play
starts as loud as before. `listener_volume()` says what that volume is while the fade
steers it (the app remembers that one, not the faded one). A volume change that is not the
fade's (the listener's key, slider or MPRIS) cancels the timer and keeps their volume; so
does stopping or pausing by the listener.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)

from infra.errors import BadInput
from infra.timefmt import duration, now_utc
from infra.urls import one_line
from player.states import IDLE
from schedule.model import Program

FADE_S = 30.0
TICK_S = 0.2
MAX_MINUTES = 24 * 60
TITLE_CHARS = 40  # the program's title in the bar's short text


def fade_volume(base: int, remaining_s: float, fade_s: float = FADE_S) -> int:
    """The volume `remaining_s` before the end: `base` until the fade starts, then down to 0
    in a straight line."""
    if remaining_s >= fade_s:
        return base
    return max(0, min(base, round(base * max(0.0, remaining_s) / fade_s)))


def same_airing(old: Program, programs: list[Program]) -> Program | None:
    """`old` as the guide has it now: the program of the same title overlapping where `old`
    was (a moved start or end), the closest start first; None when it is gone."""
    found = [p for p in programs if p.title == old.title
             and p.start_ts < old.end_ts and p.end_ts > old.start_ts]
    return min(found, key=lambda p: abs(p.start_ts - old.start_ts)) if found else None


class SleepTimer(EventDispatcher):
    """`player`: the PlayerController; `guide`: the GuideController (duck-typed: this module
    sits beside them, not above)."""

    mode = OptionProperty("off", options=["off", "minutes", "end_of_program"])
    ends_at = ObjectProperty(None, allownone=True)  # aware datetime
    remaining_s = NumericProperty(0)
    fading = BooleanProperty(False)
    text = StringProperty("")  # for the player bar: "Sleep in 12:04", "" when off
    message = StringProperty("")  # why the last request was refused, or what ended the timer
    program = ObjectProperty(None, allownone=True)  # the program waited for (end_of_program)

    def __init__(self, player: Any, guide: Any, *, clock: Callable[[], datetime] = now_utc,
                 fade_s: float = FADE_S, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._player, self._guide = player, guide
        self._clock = clock
        self._fade_s = fade_s
        self._event = None
        self._base: int | None = None  # the listener's volume while the fade steers it
        self._set: int | None = None  # the volume the fade set last
        self._station_id: str | None = None  # the station whose program is waited for
        self._stopping = False
        player.bind(state=self._on_player_state, volume=self._on_player_volume)
        guide.bind(today=self._retarget, current=self._retarget, station=self._retarget)

    # -- the listener's requests --------------------------------------------------------
    def sleep_in(self, minutes: float) -> None:
        """Stop in `minutes` minutes (BadInput unless 1 to 1440)."""
        if not isinstance(minutes, (int, float)) or not 1 <= minutes <= MAX_MINUTES:
            raise BadInput(f"sleep timer: {one_line(str(minutes), 20)} minutes is not a number "
                           f"from 1 to {MAX_MINUTES}")
        self._start("minutes", self._clock() + timedelta(minutes=minutes))

    def sleep_at_end_of_program(self) -> None:
        """Stop when the program on now ends (BadInput when the guide has none)."""
        program = self._guide.current
        if program is None:
            raise BadInput("sleep timer: the guide has no program on now to wait for")
        station = self._guide.station
        self._station_id = station.id if station is not None else None
        self.program = program
        self._start("end_of_program", program.end)

    def cancel(self, message: str = "") -> None:
        """Turn the timer off; a fade under way gives the listener's volume back."""
        self._off(message)
        if self._base is not None:
            self._restore()

    def listener_volume(self) -> int | None:
        """While the fade steers the volume: the listener's own (to remember); else None."""
        return self._base

    def shutdown(self) -> None:
        self.cancel()

    # -- the timer ----------------------------------------------------------------------
    def _start(self, mode: str, ends_at: datetime) -> None:
        if self._base is not None:
            self._restore()
        self.message = ""
        self.mode = mode
        self.ends_at = ends_at
        if self._event is None:
            self._event = Clock.schedule_interval(lambda _dt: self.tick(), TICK_S)
        self.tick()

    def tick(self) -> None:
        """Count down, fade, and stop at the end (the interval calls this; tests may too)."""
        if self.mode == "off" or self.ends_at is None:
            return
        remaining = (self.ends_at - self._clock()).total_seconds()
        self.remaining_s = max(0.0, remaining)
        if remaining <= 0:
            self._finish()
            return
        if remaining < self._fade_s:
            self._fade(remaining)
        self.text = self._words()

    def _fade(self, remaining: float) -> None:
        if self._base is None:
            self._base = int(self._player.volume)
            self.fading = True
        volume = fade_volume(self._base, remaining, self._fade_s)
        if volume != self._set:
            self._set = volume
            self._player.set_volume(volume)

    def _finish(self) -> None:
        self._stopping = True
        try:
            self._player.stop()
        finally:
            self._stopping = False
        self.cancel("Stopped by the sleep timer")

    def _off(self, message: str) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None
        self.mode = "off"
        self.ends_at = None
        self.program = None
        self.remaining_s = 0
        self.text = ""
        self.message = message

    def _restore(self) -> None:
        base, self._base, self._set = self._base, None, None
        self.fading = False
        if base is not None:
            self._player.set_volume(base)

    def _words(self) -> str:
        left = duration(self.remaining_s)
        if self.fading:
            return f"Fading out · {left}"
        if self.mode == "end_of_program" and self.program is not None:
            return f"Sleep after {one_line(self.program.title, TITLE_CHARS)} · {left}"
        return f"Sleep in {left}"

    # -- what the player and the guide say ------------------------------------------------
    def _on_player_state(self, _player: Any, state: str) -> None:
        if self.mode != "off" and not self._stopping and state in IDLE and state != "error":
            self.cancel("Sleep timer off: playback stopped")

    def _on_player_volume(self, _player: Any, volume: float) -> None:
        if self._base is not None and int(volume) != self._set:
            self._base = self._set = None  # theirs now: nothing to give back
            self.fading = False
            self._off("Sleep timer off: the volume was changed")

    def _retarget(self, *_args: Any) -> None:
        """The guide changed: follow the program waited for (see the module docstring)."""
        if self.mode != "end_of_program" or self.program is None:
            return
        guide = self._guide
        station_id = guide.station.id if guide.station is not None else None
        if station_id != self._station_id:
            if guide.current is None:
                return  # the new station's guide is not loaded yet: keep the old end
            self._station_id, self.program = station_id, guide.current
        else:
            found = same_airing(self.program, list(guide.today))
            if found is None:
                return  # the program is no longer listed: keep the end it had
            self.program = found
        if self.program.end != self.ends_at:
            self.ends_at = self.program.end
            self.tick()
