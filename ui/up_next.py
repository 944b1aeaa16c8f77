"""Up Next: the program on now (title, hosts, times, progress), up next, and later today.

Built with the GuideController, which keeps its own time (a program boundary changes its
`current` and `up_next`, and the panel follows); `tick()`, called by the app's
one-second UI tick, moves the progress bar. Times are in the
listener's zone, with the station's zone in parentheses when it differs.
With `recordings` (recording.controller, handed in by services.py) the program on now, up next
and each later one have a Record button: its menu records the one on now (from its start
when the buffer holds it) or schedules a later one, once, every weekday or every week; the
button is lit while that program is scheduled or being recorded.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, tzinfo
from functools import partial
from importlib.resources import files
from zoneinfo import ZoneInfo

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from infra.timefmt import duration, local_time, time_range
from schedule.controller import GuideController
from schedule.guide import progress, rest_of_day
from schedule.model import Program
from ui.clipping import ClippedRecycleView  # noqa: F401 - used by up_next.kv
from ui.markup import escape

_KV = str(files("ui") / "up_next.kv")


def hosts_line(program: Program) -> str:
    """'with A and B' (plain), '' without named hosts."""
    names = [h for h in program.hosts if h.strip()]
    if not names:
        return ""
    if len(names) == 1:
        return f"with {names[0]}"
    return f"with {', '.join(names[:-1])} and {names[-1]}"


def later_rows(programs: list[Program], station_tz: str, local: tzinfo | None) -> list[dict]:
    """RecycleView rows (plain dicts of escaped text) for the programs after up next."""
    return [{"time_text": escape(local_time(p.start, station_tz, local)).replace(" (", "\n(", 1),
             "title_text": escape(p.title),
             "hosts_text": escape(hosts_line(p))} for p in programs]


def end_of_day(at: datetime, station_tz: str) -> datetime:
    """The station-local midnight after `at` ("later today" stops there)."""
    tz = ZoneInfo(station_tz)
    day = at.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tz)


class UpNextPanel(BoxLayout):
    """The schedule panel of the selected station; reads everything from `guide`."""

    guide = ObjectProperty(None)
    heading_text = StringProperty("Up Next")
    message_text = StringProperty("")
    now_title = StringProperty("")
    now_hosts = StringProperty("")
    now_times = StringProperty("")
    now_left = StringProperty("")
    now_fraction = NumericProperty(0.0)
    next_title = StringProperty("")
    next_time = StringProperty("")
    empty_text = StringProperty("")
    paint_surface = BooleanProperty(True)  # False where the window's clear colour is the surface
    recordings = ObjectProperty(None, allownone=True)  # RecordingController: Record buttons
    can_record = BooleanProperty(False)
    now_recorded = BooleanProperty(False)  # the program on now is scheduled or recording
    next_recorded = BooleanProperty(False)

    def __init__(self, guide: GuideController, *, local: tzinfo | None = None, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        self._local = local if local is not None else guide.local_tz
        self.record_menu = None  # the Record menu last opened (tests find its items)
        super().__init__(guide=guide, **kwargs)
        self._redraw = Clock.create_trigger(lambda _dt: self.redraw(), 0)
        guide.bind(station=self._redraw, current=self._redraw, up_next=self._redraw,
                   today=self._redraw, status=self._redraw, message=self._redraw)
        if self.recordings is not None:  # handed in to the constructor
            self.on_recordings(self, self.recordings)
        self.redraw()

    def tick(self) -> None:
        """Move the progress bar to the clock (the app's one-second UI tick calls this, with
        the player bar's and the list's, so the window redraws once a second, not twice)."""
        self._update_progress(self.guide.clock())

    def _zone(self) -> str:
        station = self.guide.station
        return station.timezone if station is not None else "UTC"

    def redraw(self) -> None:
        """Fill every text from the guide's current values."""
        guide, tz, at = self.guide, self._zone(), self.guide.clock()
        station = guide.station
        self.heading_text = escape(f"Up Next on {station.name}") if station else "Up Next"
        self.message_text = escape(guide.message) if guide.status != "ok" else ""
        now, nxt = guide.current, guide.up_next
        self.now_title = escape(now.title) if now else ""
        self.now_hosts = escape(hosts_line(now)) if now else ""
        self.now_times = escape(time_range(now.start, now.end, tz, self._local)) if now else ""
        self.next_title = escape(nxt.title) if nxt else ""
        self.next_time = escape(local_time(nxt.start, tz, self._local)) if nxt else ""
        cut = nxt.start if nxt is not None else at
        day_end = end_of_day(at, tz)
        later = [p for p in rest_of_day(list(guide.today), at) if cut < p.start < day_end]
        rows = later_rows(later, tz, self._local)
        self.can_record = self.recordings is not None and station is not None
        for row, program in zip(rows, later, strict=True):
            row["record_action"] = partial(self.open_record_menu, program=program)
            row["record_shown"] = self.can_record
            row["record_lit"] = self._recorded(program)
        self.now_recorded, self.next_recorded = self._recorded(now), self._recorded(nxt)
        self.ids.later.data = rows
        self.empty_text = self._empty_words(guide.status, bool(now or nxt or later))
        self._update_progress(at)

    def on_recordings(self, _panel: object, recordings: object) -> None:
        redraw = getattr(self, "_redraw", None)  # None while the panel is being built
        if recordings is not None and redraw is not None:
            recordings.bind(scheduled=redraw, active=redraw)
            redraw()

    def _recorded(self, program: Program | None) -> bool:
        station = self.guide.station
        return bool(program is not None and station is not None and self.recordings is not None
                    and self.recordings.is_scheduled(station.id, program))

    def open_record_menu(self, button: object, program: Program | None = None,
                         which: str = "") -> None:
        """The Record menu under `button`, for `program` (or the guide's "now" / "next")."""
        program = program or {"now": self.guide.current, "next": self.guide.up_next}.get(which)
        station, recordings = self.guide.station, self.recordings
        if program is None or station is None or recordings is None:
            return
        at = self.guide.clock().timestamp()
        menu = Factory.RecordMenu()
        menu.live = program.start_ts <= at < program.end_ts
        menu.bind(on_select=lambda _menu, choice: recordings.record(station, program, choice))
        self.record_menu = menu
        menu.open(button)

    def _empty_words(self, status: str, has_programs: bool) -> str:
        if has_programs or self.guide.station is None:
            return ""
        if status in ("idle", "loading"):
            return "Loading schedule…"
        if status in ("none", "unavailable"):
            return ""  # the message says why
        return "Nothing more scheduled today."

    def _update_progress(self, at: datetime) -> None:
        now = self.guide.current
        if now is None:
            self.now_fraction, self.now_left = 0.0, ""
            return
        elapsed, length = progress(now, at)
        self.now_fraction = elapsed / length if length > 0 else 0.0
        self.now_left = f"{duration(elapsed)} / {duration(length)}"
