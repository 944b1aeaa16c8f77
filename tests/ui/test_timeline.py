"""The timeline's pure mapping (moments <-> fractions of the bar), and the widget in a real
window: a click seeks to the moment under the pointer, only while something is held."""

from __future__ import annotations

import pytest

from player.catchup import Span
from ui.timeline import TimelineScale, boundaries, timeline_scale, timeline_state

T = 1_800_000_000.0  # a moment (epoch seconds)


def test_scale_maps_moments_to_fractions_and_back() -> None:
    scale = TimelineScale(T, T + 100)
    assert scale.fraction(T + 25) == pytest.approx(0.25)
    assert scale.moment(0.25) == pytest.approx(T + 25)
    assert scale.fraction(T - 50) == 0.0 and scale.fraction(T + 500) == 1.0  # clamped
    assert scale.moment(-1) == T and scale.moment(2) == T + 100
    assert scale.spans([(T - 10, T + 10), (T + 40, T + 50), (T + 200, T + 300)]) == [
        (0.0, pytest.approx(0.1)), (pytest.approx(0.4), pytest.approx(0.5))]


def test_program_is_the_bar_widened_to_what_is_held() -> None:
    program = (T, T + 3600)
    assert timeline_scale(held=None, program=program) == TimelineScale(T, T + 3600)
    # 10 minutes held, 5 of them before the program started: the bar starts there
    assert timeline_scale(held=(T - 300, T + 300), program=program) == \
        TimelineScale(T - 300, T + 3600)
    # the guide is late: live is past the program's end
    assert timeline_scale(held=(T + 3000, T + 3700), program=program) == \
        TimelineScale(T, T + 3700)


def test_without_a_program_the_bar_is_what_is_held_at_least_a_minute() -> None:
    assert timeline_scale(held=(T, T + 600), program=None) == TimelineScale(T, T + 600)
    assert timeline_scale(held=(T, T + 20), program=None) == TimelineScale(T - 40, T + 20)
    assert timeline_scale(held=None, program=None) is None
    assert timeline_scale(held=None, program=(T, T)) is None  # a program of no length


def test_boundaries_inside_the_bar_only() -> None:
    scale = TimelineScale(T, T + 100)
    assert boundaries(scale, [T - 5, T, T + 50, T + 100, T + 150]) == [pytest.approx(0.5)]


def test_state_with_catch_up_puts_the_playhead_behind_live() -> None:
    held = Span(T - 300, T + 300, gaps=((T - 100, T - 90),))
    state = timeline_state(held=held, behind_live_s=150, program=(T, T + 3300),
                           starts=[T, T + 3300], now=T + 999)
    width = 3600
    assert state.scale == TimelineScale(T - 300, T + 3300)
    assert state.held and state.held_from == 0.0
    assert state.held_to == state.live == pytest.approx(600 / width)
    assert state.played == pytest.approx(450 / width)  # live - 150 s, not `now`
    assert state.marks == (pytest.approx(300 / width),)
    assert state.gaps == ((pytest.approx(200 / width), pytest.approx(210 / width)),)


def test_state_without_catch_up_is_the_program_progress() -> None:
    state = timeline_state(held=None, behind_live_s=0, program=(T, T + 3600), starts=[],
                           now=T + 900)
    assert not state.held and state.played == pytest.approx(0.25)
    assert timeline_state(held=None, behind_live_s=0, program=None, starts=[],
                          now=T).scale is None


def test_click_seeks_to_the_moment_under_it_while_held(show) -> None:
    from tests.ui.conftest import click
    from ui.timeline import Timeline

    timeline = show(Timeline(size_hint=(None, None), size=(400, 20), pos=(100, 100)))
    seeks: list[float] = []
    timeline.bind(on_seek=lambda _w, moment: seeks.append(moment))
    timeline.show(timeline_state(held=None, behind_live_s=0, program=(T, T + 100), starts=[],
                                 now=T + 10))
    click(timeline)
    assert seeks == []  # nothing held: the program's progress only
    timeline.show(timeline_state(held=Span(T, T + 100), behind_live_s=0, program=(T, T + 100),
                                 starts=[], now=T + 10))
    click(timeline)
    assert seeks == [pytest.approx(T + 50, abs=1)]
