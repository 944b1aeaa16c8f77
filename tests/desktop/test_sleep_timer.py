"""The sleep timer: its timing logic on a hand-moved clock (a real PlayerController over the
fake backend, a stand-in guide), then for real: at the end of a one-minute program in a
loopback Composer schedule it stops a real Icecast stream played through libvlc into a real
PulseAudio null sink, within 2 s of the program's end, and the last 30 s are heard fading.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import ListProperty, ObjectProperty

from desktop.sleep_timer import FADE_S, SleepTimer, fade_volume, same_airing
from infra.errors import BadInput
from player.controller import PlayerController
from player.fake_backend import FakeBackend
from player.recovery import RetryPolicy
from schedule.model import Program
from tests.player.conftest import pump
from tests.support.clock import ManualClock
from tests.support.tasks import task_runner

T0 = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


class StandInGuide(EventDispatcher):
    """The three GuideController properties the timer reads (a unit-test stand-in)."""

    station = ObjectProperty(None, allownone=True)
    current = ObjectProperty(None, allownone=True)
    today = ListProperty([])


def station(sid: str = "kcur"):
    from tests.ui.conftest import make_station

    return make_station(sid, sid.upper())


def program(title: str, start: datetime, minutes: float) -> Program:
    return Program(title, start, start + timedelta(minutes=minutes))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def player() -> Iterator[PlayerController]:
    ctl = PlayerController(FakeBackend(), policy=RetryPolicy(max_tries=2, base_s=0.3),
                           describe=lambda _url: "refused", tasks=task_runner())
    ctl.set_volume(80)
    ctl.play(station())
    pump(lambda: ctl.state == "playing", 5, "the fake stream playing")
    yield ctl
    ctl.shutdown()


@pytest.fixture
def guide() -> StandInGuide:
    g = StandInGuide(station=station())
    g.today = [program("Up To Date", T0 - timedelta(minutes=50), 60),
               program("Here & Now", T0 + timedelta(minutes=10), 60)]
    g.current = g.today[0]
    return g


def test_fade_volume_holds_then_falls_in_a_line_to_zero() -> None:
    levels = [fade_volume(80, r) for r in (60, FADE_S, 25, 15, 5, 0, -3)]
    assert levels == [80, 80, 67, 40, 13, 0, 0]


def test_sleep_in_minutes_counts_down_fades_stops_and_gives_the_volume_back(
        player, guide, clock) -> None:
    timer = SleepTimer(player, guide, clock=clock)
    timer.sleep_in(10)
    assert timer.mode == "minutes" and timer.remaining_s == 600
    assert timer.text == "Sleep in 10:00"
    clock.now += timedelta(minutes=9, seconds=20)
    timer.tick()
    assert timer.text == "Sleep in 0:40" and player.volume == 80 and not timer.fading
    clock.now += timedelta(seconds=15)  # 25 s left
    timer.tick()
    assert timer.fading and player.volume == 67 and timer.listener_volume() == 80
    assert timer.text == "Fading out · 0:25"
    clock.now += timedelta(seconds=20)  # 5 s left
    timer.tick()
    assert player.volume == 13 and player.state == "playing"
    clock.now += timedelta(seconds=5)
    timer.tick()
    assert player.state == "stopped"
    assert player.volume == 80, "the listener's volume is back for the next play"
    assert timer.mode == "off" and timer.text == "" and timer.listener_volume() is None
    assert timer.message == "Stopped by the sleep timer"


def test_at_the_end_of_the_program_follows_the_program_when_it_moves(player, guide,
                                                                    clock) -> None:
    timer = SleepTimer(player, guide, clock=clock)
    timer.sleep_at_end_of_program()
    assert timer.ends_at == T0 + timedelta(minutes=10)
    assert timer.text == "Sleep after Up To Date · 10:00"
    moved = program("Up To Date", T0 - timedelta(minutes=50), 65)  # a refresh: 5 min longer
    guide.today = [moved, program("Here & Now", T0 + timedelta(minutes=15), 55)]
    assert timer.ends_at == T0 + timedelta(minutes=15)
    # At the boundary the guide's on-now turns to the next program: the end stays.
    clock.now = T0 + timedelta(minutes=15)
    guide.current = guide.today[1]
    assert timer.ends_at == T0 + timedelta(minutes=15)
    timer.tick()
    assert player.state == "stopped" and timer.mode == "off"


def test_a_switch_waits_for_the_new_stations_program_on_now(player, guide, clock) -> None:
    timer = SleepTimer(player, guide, clock=clock)
    timer.sleep_at_end_of_program()
    guide.current, guide.today, guide.station = None, [], station("wkar")  # loading
    assert timer.ends_at == T0 + timedelta(minutes=10), "kept until the new guide loads"
    other = program("Fresh Air", T0 - timedelta(minutes=5), 30)
    guide.today, guide.current = [other], other
    assert timer.ends_at == other.end and timer.program == other


def test_requests_that_cannot_be_kept_are_refused_in_one_line(player, guide, clock) -> None:
    timer = SleepTimer(player, guide, clock=clock)
    guide.current = None
    with pytest.raises(BadInput, match="no program on now"):
        timer.sleep_at_end_of_program()
    for bad in (0, -5, 100000):
        with pytest.raises(BadInput, match="1 to 1440"):
            timer.sleep_in(bad)
    assert timer.mode == "off"


def test_the_listeners_volume_change_during_the_fade_cancels_and_stays(player, guide,
                                                                      clock) -> None:
    timer = SleepTimer(player, guide, clock=clock)
    timer.sleep_in(1)
    clock.now += timedelta(seconds=45)
    timer.tick()
    assert timer.fading and player.volume == 40
    player.set_volume(55)  # a key or the slider
    assert timer.mode == "off" and player.volume == 55 and timer.listener_volume() is None
    clock.now += timedelta(seconds=30)
    timer.tick()
    assert player.state == "playing"


def test_stopping_by_hand_during_the_fade_cancels_and_restores(player, guide, clock) -> None:
    timer = SleepTimer(player, guide, clock=clock)
    timer.sleep_in(1)
    clock.now += timedelta(seconds=50)
    timer.tick()
    assert player.volume < 80
    player.stop()
    assert timer.mode == "off" and player.volume == 80
    assert "stopped" in timer.message


def test_same_airing_finds_the_moved_program_by_title_and_overlap() -> None:
    old = program("1A", T0, 60)
    assert same_airing(old, [program("1A", T0 + timedelta(minutes=5), 60)]).start == \
        T0 + timedelta(minutes=5)
    assert same_airing(old, [program("1A", T0 + timedelta(hours=2), 60)]) is None
    assert same_airing(old, [program("Other", T0, 60)]) is None


# -- for real: Composer on loopback, Icecast, libvlc, PulseAudio -----------------------------
TONE_HZ = 440
SILENT_RMS = 1e-4


def one_minute_program(now: datetime) -> tuple[datetime, list]:
    """A one-minute program ending at the next minute boundary at least 40 s away (so the
    level before the fade is heard too), one before it and one after it."""
    from tests.support.metadata_server import Airing

    end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if (end - now).total_seconds() < 40:
        end += timedelta(minutes=1)
    return end, [Airing("Before", end - timedelta(hours=1), end - timedelta(minutes=1)),
                 Airing("One Minute", end - timedelta(minutes=1), end, ("Host",)),
                 Airing("After", end, end + timedelta(hours=1))]


@pytest.mark.icecast
@pytest.mark.timeout(240)
def test_end_of_a_one_minute_program_stops_the_stream_within_2_s_after_a_heard_fade(
        httpserver, icecast, pulse, tmp_path: Path) -> None:
    from dataclasses import replace

    from infra.http import HttpClient
    from player.stations import Stream
    from player.vlc_backend import make_backend
    from schedule.controller import GuideController
    from tests.support.metadata_server import composer_station, serve_composer

    tz = ZoneInfo("America/Chicago")
    end, airings = one_minute_program(datetime.now(UTC))
    days: dict = {}
    for a in airings:
        days.setdefault(a.start.astimezone(tz).date(), []).append(a)
    base = serve_composer(httpserver, days, tz)
    kdmo = replace(composer_station(base, "kdmo"), streams=(Stream(icecast.url("/a.mp3")),))
    http = HttpClient(tmp_path / "cache")
    guide = GuideController(http, tasks=task_runner())
    player = PlayerController(make_backend(None), stall_s=4.0, tasks=task_runner(),
                              policy=RetryPolicy(max_tries=8, base_s=0.3, cap_s=1.5))
    try:
        with pulse.monitor(tmp_path / "monitor.wav") as mon:
            guide.set_station(kdmo)
            # On now at once, or (to leave 40 s for the fade) a minute from now.
            pump(lambda: guide.current is not None and guide.current.title == "One Minute",
                 80, "the one-minute program on now")
            player.set_volume(100)
            player.play(kdmo)
            pump(lambda: player.state == "playing" and mon.last(0.3)[1] > 0.01, 15,
                 "the tone on the null sink")
            timer = SleepTimer(player, guide)
            timer.sleep_at_end_of_program()
            assert timer.ends_at == end and timer.text.startswith("Sleep after One Minute")

            levels: list[tuple[float, float]] = []  # (seconds before the end, RMS)
            stopped_at: list[datetime] = []
            player.bind(state=lambda _p, s: stopped_at.append(datetime.now(UTC))
                        if s == "stopped" else None)
            last = [0.0]

            def step() -> None:
                Clock.tick()
                if time.monotonic() - last[0] >= 0.5:
                    last[0] = time.monotonic()
                    levels.append(((end - datetime.now(UTC)).total_seconds(),
                                   mon.last(0.4)[1]))

            budget = (end - datetime.now(UTC)).total_seconds() + 10
            from tests.support.wait import wait_until

            wait_until(lambda: player.state == "stopped", budget, "the sleep timer's stop",
                       step=step, interval=0.01)
            wait_until(lambda: mon.last(0.3)[1] < SILENT_RMS, 5, "silence on the null sink",
                       step=step, interval=0.01)
            silent_at = datetime.now(UTC)
    finally:
        player.shutdown()
        guide.shutdown()
        http.close()

    assert abs((stopped_at[0] - end).total_seconds()) <= 2.0, (stopped_at[0], end)
    assert (silent_at - end).total_seconds() <= 2.0 + 0.5, "heard silent within 2 s of the end"
    assert player.volume == 100, "the listener's volume is back for the next play"

    def mean(lo: float, hi: float) -> float:
        window = [rms for left, rms in levels if lo <= left <= hi]
        assert window, f"no level measured {hi}..{lo} s before the end: {levels}"
        return sum(window) / len(window)

    before, early, middle, late = mean(31.5, 38), mean(22, 27), mean(10, 15), mean(4, 7)
    assert early < before * 0.9 and middle < early * 0.5 and late < middle * 0.5, \
        f"the level falls through the last 30 s: {before:.4f} {early:.4f} {middle:.4f} {late:.4f}"
    assert late > SILENT_RMS, "still playing, quietly, a few seconds before the end"
