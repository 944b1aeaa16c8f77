"""The player bar, always visible: station, play controls, status in words, program progress.

Live: the station's logo and name, the player's state in words ("Buffering…",
"Reconnecting in 3 s: connection refused", "Error: ..."; while reconnecting a "Retry now"
button beside it), the stream title, the program on now with
a progress bar and "elapsed / length". During a newscast (player.mode ==
"ondemand") the program part shows the newscast title, a seek slider and
"Back to live". With catch-up (player.catchup) the progress bar is a timeline (ui.timeline:
what is held, the playhead, live, the program boundaries; a click seeks) and the bar says
"2:30 behind live" with "Back to live", or why a stream has none. For a station with a
donation page (`support`, http(s)) a "Support <station>" button beside its name opens the
page in the desktop's browser
(through the LibraryController). Handlers are one call into a controller.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import files

from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.slider import Slider

from infra.timefmt import duration
from infra.urls import is_stream_url, one_line
from player.catalogue import logo_path
from player.catchup import LIVE_SNAP_S
from player.states import ACTIVE, WAITING, reconnect_words
from schedule.guide import progress
from ui import theme
from ui.timeline import timeline_state

_KV = str(files("ui") / "player_bar.kv")
SUPPORT_NAME_CHARS = 22  # "Support <name>" stays a small button beside the name



def status_words(state: str, *, error: str = "", retry_in_s: float = 0.0,
                 mode: str = "live", reason: str = "") -> str:
    """The player's state as the listener reads it (plain text)."""
    if state == "connecting":
        return "Connecting…"
    if state == "buffering":
        return "Buffering…"
    if state == "playing":
        return "Playing newscast" if mode == "ondemand" else "Playing"
    if state == "paused":
        return "Paused"
    if state == "reconnecting":
        if math.ceil(retry_in_s) <= 0:
            return "Reconnecting…"
        words = reconnect_words(retry_in_s, reason)
        return words[:1].upper() + words[1:]
    if state == "error":
        return f"Error: {error}" if error else "Error"
    return "Stopped"


def status_colour(state: str) -> tuple[float, float, float, float]:
    if state == "error":
        return theme.ERROR
    if state == "playing":
        return theme.OK
    if state in WAITING:
        return theme.WARN
    return theme.TEXT_DIM


class SeekSlider(Slider):
    """A slider that reports a seek only when the listener lets go (`on_seek(value)`)."""

    dragging = BooleanProperty(False)
    __events__ = ("on_seek",)

    def on_touch_down(self, touch):
        if self.disabled or not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        self.dragging = True
        return super().on_touch_down(touch)

    def on_touch_up(self, touch):
        handled = super().on_touch_up(touch)
        if self.dragging:  # the first touch-up seen, grabbed or not
            value = self.value  # before `dragging` goes: kv then binds value to the position
            self.dragging = False
            self.dispatch("on_seek", value)
        return handled

    def on_seek(self, value: float) -> None:
        pass


class PlayerBar(BoxLayout):
    """`player`: PlayerController; `guide`: GuideController; `clock`: aware-UTC now."""

    __events__ = ("on_sleep_alarm",)  # its button: open the sleep timer and alarm dialog
    sleep_alarm_text = StringProperty("")  # "Sleep in 12:04 · Alarm 7:00 AM · KCUR 89.3"
    player = ObjectProperty(None)
    guide = ObjectProperty(None)
    station_name = StringProperty("")
    logo = StringProperty("")
    status = StringProperty("Stopped")
    status_rgba = ListProperty(theme.TEXT_DIM)
    stream_title = StringProperty("")
    ondemand = BooleanProperty(False)
    active = BooleanProperty(False)
    reconnecting = BooleanProperty(False)  # the "Retry now" button shows
    live = BooleanProperty(False)  # the LIVE badge: live audio plays (not while connecting)
    catchup = BooleanProperty(False)  # the stream is held: the timeline seeks
    behind = BooleanProperty(False)  # behind live: "Back to live" shows
    catchup_text = StringProperty("")  # "2:30 behind live", or why there is no catch-up
    muted = BooleanProperty(False)
    volume = NumericProperty(80)
    program_title = StringProperty("")
    program_note = StringProperty("")
    program_problem = BooleanProperty(False)  # the note says the guide failed
    program_fraction = NumericProperty(0.0)
    program_time = StringProperty("")
    newscast_title = StringProperty("")
    position = NumericProperty(0.0)
    length = NumericProperty(0.0)
    seekable = BooleanProperty(False)
    position_time = StringProperty("")
    paint_surface = BooleanProperty(True)  # False where the window's clear colour is the surface
    library = ObjectProperty(None, allownone=True)  # LibraryController: the Support button
    support_text = StringProperty("")  # "Support KCUR 89.3", or "" (no button)

    def __init__(self, *, player, guide, clock: Callable[[], datetime] | None = None,
                 library=None, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        super().__init__(player=player, guide=guide, library=library, **kwargs)
        self._clock = clock or (lambda: datetime.now(UTC))
        player.bind(station=self._on_station, state=self._on_state, error=self._on_state,
                    retry_in_s=self._on_state, mode=self._on_state, reason=self._on_state,
                    now_playing=self._on_now_playing, muted=self.setter("muted"),
                    volume=self.setter("volume"), position_s=self._on_position,
                    duration_s=self._on_position, seekable=self.setter("seekable"),
                    catchup=self._on_catchup, behind_live_s=self._on_catchup,
                    buffer_span=self._on_catchup, catchup_note=self._on_catchup)
        guide.bind(current=self._on_program, status=self._on_program, message=self._on_program)
        theme.THEME.bind(scheme=self._on_state)  # the status colour is the palette's
        self.muted, self.volume, self.seekable = player.muted, player.volume, player.seekable
        self._on_station()
        self._on_state()
        self._on_now_playing()
        self._on_position()
        self._on_program()

    # controls (one call each)
    def toggle(self) -> None:
        self.player.toggle()

    def stop(self) -> None:
        self.player.stop()

    def retry_now(self) -> None:
        self.player.retry_now()

    def toggle_mute(self) -> None:
        self.player.toggle_mute()

    def set_volume(self, value: float) -> None:
        if int(value) != int(self.player.volume):
            self.player.set_volume(int(value))

    def seek(self, value: float) -> None:
        self.player.seek(value)

    def back_to_live(self) -> None:
        self.player.back_to_live()

    def to_live(self) -> None:
        self.player.to_live()

    def seek_to(self, moment: float) -> None:
        self.player.seek_to(moment)

    def support(self) -> None:
        if self.library is not None:
            self.library.open_support(self.player.station)

    def tick(self) -> None:
        """Move the program progress on (called every second)."""
        self._on_program()

    def follow_sleep_alarm(self, sleep, alarms) -> None:
        """Show the SleepTimer's time left and the AlarmController's next alarm."""
        def show(*_args) -> None:
            self.sleep_alarm_text = " · ".join(t for t in (sleep.text, alarms.next_text) if t)

        sleep.bind(text=show)
        alarms.bind(next_text=show)
        show()

    def on_sleep_alarm(self) -> None:
        pass

    # bindings
    def _on_station(self, *_args) -> None:
        station = self.player.station
        self.station_name = station.name if station is not None else "No station"
        path = logo_path(station) if station is not None else None
        self.logo = str(path) if path else ""
        has_page = self.library is not None and is_stream_url(getattr(station, "support", None))
        self.support_text = f"Support {one_line(station.name, SUPPORT_NAME_CHARS)}" \
            if has_page and station else ""

    def _on_state(self, *_args) -> None:
        p = self.player
        error = p.error
        if p.station is not None and error.startswith(f"{p.station.name}: "):
            error = error[len(p.station.name) + 2:]  # the name is shown just above
        self.status = status_words(p.state, error=error, retry_in_s=p.retry_in_s, mode=p.mode,
                                   reason=p.reason)
        self.status_rgba = status_colour(p.state)
        self.active = p.state in ACTIVE
        self.reconnecting = p.state == "reconnecting"
        self.live = p.state == "playing" and p.mode == "live" and not self.behind
        self.ondemand = p.mode == "ondemand"
        self._on_now_playing()

    def _on_now_playing(self, *_args) -> None:
        text = self.player.now_playing
        if self.player.mode == "ondemand":
            self.newscast_title = text or "Newscast"
            self.stream_title = ""
        else:
            self.stream_title = text

    def _on_position(self, *_args) -> None:
        self.position = max(0.0, float(self.player.position_s))
        self.length = max(0.0, float(self.player.duration_s))
        self.position_time = (f"{duration(self.position)} / {duration(self.length)}"
                              if self.length else duration(self.position))

    def _on_catchup(self, *_args) -> None:
        p = self.player
        self.catchup = p.catchup
        self.behind = p.catchup and p.behind_live_s >= LIVE_SNAP_S
        self.catchup_text = f"{duration(p.behind_live_s)} behind live" if self.behind \
            else p.catchup_note
        self._on_state()
        self._on_program()

    def _on_program(self, *_args) -> None:
        guide = self.guide
        program = guide.current
        p, span = self.player, self.player.buffer_span
        self.ids.program_progress.show(timeline_state(
            held=span if p.catchup else None, behind_live_s=p.behind_live_s,
            program=(program.start_ts, program.end_ts) if program is not None else None,
            starts=[q.start_ts for q in guide.today], now=self._clock().timestamp()))
        if program is None:
            self.program_title = ""
            self.program_fraction = 0.0
            self.program_time = ""
        else:
            elapsed, length = progress(program, self._clock())
            self.program_title = program.title
            self.program_fraction = min(1.0, elapsed / length) if length > 0 else 0.0
            self.program_time = f"{duration(elapsed)} / {duration(length)}"
        self.program_problem = guide.status in ("stale", "unavailable")
        if guide.status in ("stale", "unavailable", "none") and guide.message:
            self.program_note = guide.message
        elif program is None and guide.status == "loading":
            self.program_note = "Loading the schedule…"
        else:
            self.program_note = ""
