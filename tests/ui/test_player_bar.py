"""The player bar shows every state of a real PlayerController (over PLAY's fake backend)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.ui.conftest import click, programs_around, screenshot, wait_until
from ui import theme

pytestmark = pytest.mark.gui


@pytest.fixture
def bar(show, player, guide, guide_clock, stations):
    from ui.player_bar import PlayerBar

    player.select(stations[0])
    return show(PlayerBar(player=player, guide=guide, clock=guide_clock))


def texts(bar) -> dict[str, str]:
    ids = bar.ids
    return {name: ids[name].text for name in ("station_name", "status", "stream_title",
                                              "program_title", "program_time", "play", "mute")}


def test_stopped_station_is_shown_ready_to_play(bar):
    t = texts(bar)
    assert t["station_name"] == "KCUR 89.3"
    assert t["status"] == "Stopped"
    assert bar.ids.play.icon == "play" and bar.ids.play.tooltip == "Play (Space)"
    assert bar.logo.endswith("kcur.png")


def test_connecting_buffering_playing_then_paused(bar, player, window):
    from ui.player_bar import status_words

    seen: list[str] = []
    bar.ids.status.bind(text=lambda _w, text: seen.append(text))
    click(bar.ids.play)
    wait_until(lambda: bar.ids.status.text == "Playing", what="Playing")
    # "Buffering…" while the stream is open and no audio is decoded yet: the fake backend
    # decodes at once, so that moment can be too short to show.
    assert seen[0] == "Connecting…" and set(seen[1:-1]) <= {"Buffering…"}
    assert status_words("buffering") == "Buffering…"
    assert bar.ids.play.icon == "pause"
    assert tuple(bar.ids.status.color) == theme.OK
    screenshot(window, "player_bar_playing")
    click(bar.ids.play)
    wait_until(lambda: bar.ids.status.text == "Paused")
    assert player.state == "paused" and bar.ids.play.icon == "play"
    click(bar.ids.play)
    wait_until(lambda: bar.ids.status.text == "Playing")
    click(bar.ids.stop)
    wait_until(lambda: bar.ids.status.text == "Stopped")
    assert player.state == "stopped"


def test_stream_title_shown_literally(bar, player, fake_backend):
    player.play()
    wait_until(lambda: player.state == "playing")
    fake_backend.set_title("[color=ff0000]x[/color] & Friends")
    wait_until(lambda: bar.ids.stream_title.text == "[color=ff0000]x[/color] & Friends")
    assert bar.ids.stream_title.markup is False


def test_drop_shows_reconnecting_countdown_with_the_reason_then_recovers(bar, player,
                                                                       fake_backend, window):
    player.play()
    wait_until(lambda: player.state == "playing")
    assert bar.ids.retry_now.opacity == 0 and bar.ids.retry_now.disabled
    fake_backend.unreachable.add(fake_backend.url)  # the server is down for a while
    fake_backend.drop()
    wait_until(lambda: bar.ids.status.text == "Reconnecting in 1 s: connection refused",
               what="countdown with the reason")
    assert tuple(bar.ids.status.color) == theme.WARN
    assert bar.ids.retry_now.opacity == 1 and not bar.ids.retry_now.disabled
    assert bar.ids.retry_now.width > 0
    screenshot(window, "player_bar_reconnecting")
    fake_backend.unreachable.clear()
    wait_until(lambda: bar.ids.status.text == "Playing", timeout=5)
    assert bar.ids.retry_now.opacity == 0 and bar.ids.retry_now.width == 0


@pytest.fixture
def slow_player(fake_backend, stations):
    """A player whose outage waits are 30 s: only "Retry now" makes it try sooner."""
    from player.controller import PlayerController
    from player.recovery import RetryPolicy
    from tests.support.tasks import task_runner

    controller = PlayerController(fake_backend, tasks=task_runner(),
                                  policy=RetryPolicy(burst_s=30.0, probe_s=30.0, jitter=0.0),
                                  describe=lambda url: "connection refused")
    controller.select(stations[0])
    yield controller
    controller.shutdown()


def test_retry_now_tries_at_once(show, slow_player, guide, guide_clock, fake_backend):
    from ui.player_bar import PlayerBar

    player = slow_player
    bar = show(PlayerBar(player=player, guide=guide, clock=guide_clock))
    player.play()
    wait_until(lambda: player.state == "playing")
    fake_backend.unreachable.add(fake_backend.url)
    fake_backend.drop()
    wait_until(lambda: bar.ids.status.text.startswith("Reconnecting in 30 s"), what="long wait")
    opened = len(fake_backend.opened)
    click(bar.ids.retry_now)
    assert len(fake_backend.opened) == opened + 1  # tried, failed again: a new wait
    wait_until(lambda: bar.ids.status.text.startswith("Reconnecting in 30 s"), what="new wait")
    fake_backend.unreachable.clear()
    click(bar.ids.retry_now)
    wait_until(lambda: bar.ids.status.text == "Playing", timeout=3, what="playing")


def test_unreachable_station_explains_why(bar, player, fake_backend, window):
    fake_backend.unreachable.add("http://127.0.0.1:9/kcur.mp3")
    click(bar.ids.play)
    wait_until(lambda: player.state == "error", timeout=10, what="error state")
    # The station's name stands just above: the status gives the reason, first line first.
    assert bar.ids.status.text == (
        "Error: the stream could not be reached (connection refused) after 3 tries")
    assert bar.ids.station_name.text == "KCUR 89.3"
    assert tuple(bar.ids.status.color) == theme.ERROR
    assert bar.ids.play.icon == "play"
    screenshot(window, "player_bar_error")


def test_program_on_now_with_progress_every_second(bar, guide, guide_clock):
    guide.today = programs_around(guide_clock())
    guide.tick()
    wait_until(lambda: bar.ids.program_title.text == "Morning Edition")
    assert bar.ids.program_time.text == "12:04 / 59:00"
    assert bar.program_fraction == pytest.approx(724 / 3540)
    guide_clock.now += timedelta(seconds=1)
    bar.tick()
    assert bar.ids.program_time.text == "12:05 / 59:00"


def test_guide_problems_are_shown(bar, guide, player, stations):
    guide.set_station(stations[0])  # no schedule source
    wait_until(lambda: bar.ids.program_title.text == "No program guide for KCUR 89.3")
    guide.today = programs_around(guide.clock())
    guide.tick()
    guide.status = "stale"
    guide.message = "Schedule unavailable: NPR Composer (showing 10:02 AM copy)"
    wait_until(lambda: "showing 10:02 AM copy" in bar.ids.program_time.text)
    assert bar.ids.program_title.text == "Morning Edition"


def test_newscast_has_seek_slider_and_back_to_live(bar, player, fake_backend, window):
    fake_backend.length_s = 287.0
    player.play_ondemand("http://127.0.0.1:9/news.mp3", "NPR News Now: 1 PM")
    wait_until(lambda: bar.ids.status.text == "Playing newscast")
    assert bar.ids.newscast_title.text == "NPR News Now: 1 PM"
    assert bar.ids.ondemand_part.opacity == 1 and bar.ids.live_part.opacity == 0
    wait_until(lambda: bar.ids.seek.max == 287.0 and not bar.ids.seek.disabled)
    wait_until(lambda: bar.ids.position_time.text.endswith(" / 4:47"))
    click(bar.ids.seek)  # a real touch in the middle of the slider: about 2:23
    wait_until(lambda: bar.ids.position_time.text.startswith("2:2"))
    assert player.position_s == pytest.approx(143.5, abs=3)
    screenshot(window, "player_bar_newscast")
    click(bar.ids.back_to_live)
    wait_until(lambda: player.mode == "live" and bar.ids.status.text == "Playing")
    assert bar.ids.live_part.opacity == 1
    assert fake_backend.url == "http://127.0.0.1:9/kcur.mp3"


def test_mute_and_volume(bar, player, fake_backend):
    click(bar.ids.mute)
    assert player.muted and bar.ids.mute.icon == "muted"
    click(bar.ids.mute)
    assert not player.muted
    bar.ids.volume.value = 35
    assert player.volume == 35
    player.set_volume(70)
    wait_until(lambda: bar.ids.volume.value == 70)
