"""The timeline in the player bar: the program on now, the stretch of the stream held for
catch-up, the playhead, the live edge and the program boundaries; a click or tap seeks.

`timeline_scale` and `TimelineScale` are the pure mapping between moments (epoch seconds,
the catch-up timeline of player.catchup) and fractions of the bar, tested apart. The
`Timeline` widget only draws what it is given (ui/timeline.kv, and the boundary and gap
marks here) and reports a click as `on_seek(moment)`; the player bar feeds it and hands
the seek to the player controller. Without catch-up (an HLS stream, the guide only) it is
the program's progress bar it always was: `playhead` is then the present moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
from typing import Protocol

from kivy.graphics import Color, Rectangle
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty
from kivy.uix.widget import Widget

from ui.theme import THEME

_KV = str(files("ui") / "timeline.kv")
MIN_SPAN_S = 60.0  # a bar over the held stream alone spans at least a minute
MARK_W = 2  # px: a program boundary or the live edge


@dataclass(frozen=True)
class TimelineScale:
    """Moments t0..t1 laid over the bar's width (t1 > t0)."""

    t0: float
    t1: float

    def fraction(self, moment: float) -> float:
        """Where `moment` is on the bar, 0..1 (clamped)."""
        return min(1.0, max(0.0, (moment - self.t0) / (self.t1 - self.t0)))

    def moment(self, fraction: float) -> float:
        """The moment at `fraction` of the bar (clamped to the bar)."""
        return self.t0 + min(1.0, max(0.0, fraction)) * (self.t1 - self.t0)

    def spans(self, pairs: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
        """(from, to) moments as fractions, those wholly off the bar left out."""
        out = []
        for a, b in pairs:
            fa, fb = self.fraction(a), self.fraction(b)
            if fb > fa:
                out.append((fa, fb))
        return out


def timeline_scale(*, held: tuple[float, float] | None,
                   program: tuple[float, float] | None) -> TimelineScale | None:
    """The bar's stretch: the program on now (start to end), widened to the held stream
    (`held`: oldest moment held, live edge) where that reaches past it; without a program,
    the held stream (at least MIN_SPAN_S, ending at live). None when there is neither."""
    if program is not None and program[1] > program[0]:
        t0, t1 = program
        if held is not None:
            t0, t1 = min(t0, held[0]), max(t1, held[1])
        return TimelineScale(t0, t1)
    if held is not None:
        start, live = held
        return TimelineScale(min(start, live - MIN_SPAN_S), live)
    return None


def boundaries(scale: TimelineScale, starts: Iterable[float]) -> list[float]:
    """The program starts strictly inside the bar, as fractions (the ends of the bar are
    no marks)."""
    return [scale.fraction(t) for t in starts if scale.t0 < t < scale.t1]


class Held(Protocol):
    """What catch-up holds (player.catchup.Span): moments, and the gaps between."""

    start: float
    live: float
    gaps: Sequence[tuple[float, float]]


@dataclass(frozen=True)
class TimelineState:
    """What the bar shows, as fractions of its width (see Timeline); `scale` None: no bar."""

    scale: TimelineScale | None
    played: float = 0.0
    held: bool = False
    held_from: float = 0.0
    held_to: float = 0.0
    live: float = 1.0
    marks: tuple[float, ...] = ()
    gaps: tuple[tuple[float, float], ...] = ()


def timeline_state(*, held: Held | None, behind_live_s: float,
                   program: tuple[float, float] | None, starts: Iterable[float],
                   now: float) -> TimelineState:
    """The bar for the program on now (`program`: start, end) and what catch-up holds
    (`held`, the playhead `behind_live_s` before its live edge); without catch-up the
    playhead is `now`, the program's progress. `starts`: the guide's program starts."""
    scale = timeline_scale(held=(held.start, held.live) if held is not None else None,
                           program=program)
    if scale is None:
        return TimelineState(None)
    if held is None:
        return TimelineState(scale, played=scale.fraction(now), marks=tuple(boundaries(
            scale, starts)))
    return TimelineState(scale, played=scale.fraction(held.live - behind_live_s), held=True,
                         held_from=scale.fraction(held.start), held_to=scale.fraction(held.live),
                         live=scale.fraction(held.live),
                         marks=tuple(boundaries(scale, starts)),
                         gaps=tuple(scale.spans(held.gaps)))


class Timeline(Widget):
    """Fractions of its width: `played` (the progress fill, to the playhead), `held_from` ..
    `held_to` (what catch-up holds), `live` (the live edge, shown when `held`), `marks`
    (program boundaries) and `gaps` (pairs), set together by `show(state)`. A touch on it
    while something is held seeks: `on_seek(moment)`."""

    played = NumericProperty(0.0)
    bar_h = NumericProperty(4.0)  # the bar's thickness (kv: a third of the height)
    held = BooleanProperty(False)
    held_from = NumericProperty(0.0)
    held_to = NumericProperty(0.0)
    live = NumericProperty(1.0)
    marks = ListProperty([])
    gaps = ListProperty([])
    __events__ = ("on_seek",)

    def __init__(self, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        super().__init__(**kwargs)
        self._scale: TimelineScale | None = None
        self.bind(pos=self._draw_marks, size=self._draw_marks, marks=self._draw_marks,
                  gaps=self._draw_marks, bar_h=self._draw_marks)
        THEME.bind(BG=self._draw_marks, TEXT_DIM=self._draw_marks)

    def show(self, state: TimelineState) -> None:
        self._scale = state.scale
        self.played, self.held, self.live = state.played, state.held, state.live
        self.held_from, self.held_to = state.held_from, state.held_to
        self.marks, self.gaps = list(state.marks), [list(g) for g in state.gaps]

    def on_touch_down(self, touch) -> bool:
        if self.disabled or not self.held or self._scale is None \
                or not self.collide_point(*touch.pos):
            return super().on_touch_down(touch)
        self.dispatch("on_seek", self._scale.moment((touch.x - self.x) / max(1.0, self.width)))
        return True

    def on_seek(self, moment: float) -> None:
        pass

    def _draw_marks(self, *_args) -> None:
        """Boundaries and gaps: a varying number of marks, drawn over the bar (kv draws the
        bar itself)."""
        bar_y, bar_h = self.center_y - self.bar_h / 2, self.bar_h
        self.canvas.after.clear()
        with self.canvas.after:
            Color(rgba=THEME.BG)
            for a, b in self.gaps:
                Rectangle(pos=(self.x + a * self.width, bar_y),
                          size=(max(1.0, (b - a) * self.width), bar_h))
            Color(rgba=THEME.TEXT_DIM)
            for f in self.marks:
                Rectangle(pos=(self.x + f * self.width - MARK_W / 2, self.y),
                          size=(MARK_W, self.height))
