"""PlayerController logic against the in-memory backend (no network, no window); outages and
lazy mirrors are in test_reconnect.py."""

from __future__ import annotations

import random

import pytest

from infra.errors import SourceUnavailable
from player.controller import PlayerController, clean_title
from player.fake_backend import FakeBackend
from player.recovery import RetryPolicy
from tests.player.conftest import pump, station
from tests.support.tasks import task_runner

A = station("a", "Station A", "http://a.example/one.mp3", "http://a2.example/two.mp3")
B = station("b", "Station B", "http://b.example/live")
FAST = RetryPolicy(max_tries=4, base_s=0.05, cap_s=0.1, rng=random.Random(1))


@pytest.fixture
def fake() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def ctl(fake: FakeBackend):
    c = PlayerController(fake, policy=FAST, stall_s=0.5, describe=lambda url: "connection refused",
                         tasks=task_runner())
    yield c
    c.shutdown()


def states(ctl: PlayerController) -> list[str]:
    seen: list[str] = []
    ctl.bind(state=lambda _c, s: seen.append(s))
    return seen


def test_play_goes_connecting_then_playing(ctl, fake) -> None:
    seen = states(ctl)
    ctl.play(A)
    pump(lambda: ctl.state == "playing", 3, "playing")
    assert seen[0] == "connecting" and seen[-1] == "playing"
    assert fake.url == "http://a.example/one.mp3"
    assert ctl.station is A and ctl.error == ""
    pump(lambda: ctl.connected_s > 0.2, 3, "connected time")


def test_switching_station_opens_the_new_stream(ctl, fake) -> None:
    ctl.play(A)
    pump(lambda: ctl.state == "playing", 3)
    ctl.play(B)
    assert ctl.state == "connecting"
    pump(lambda: ctl.state == "playing", 3)
    assert fake.url == "http://b.example/live" and ctl.station is B


def test_title_reaches_now_playing_as_plain_text(ctl, fake) -> None:
    ctl.play(A)
    pump(lambda: ctl.state == "playing", 3)
    fake.set_title("Artist\x07 - [b]Song[/b]\n")
    pump(lambda: ctl.now_playing != "", 3, "title")
    assert ctl.now_playing == "Artist - [b]Song[/b]"


def test_drop_reconnects_to_the_next_mirror_at_once_and_resumes(ctl, fake) -> None:
    seen = states(ctl)
    ctl.play(A)
    pump(lambda: ctl.state == "playing", 3)
    fake.drop()
    pump(lambda: ctl.state == "reconnecting", 3, "reconnecting")
    pump(lambda: ctl.state == "playing", 3, "playing again")
    assert fake.opened == ["http://a.example/one.mp3", "http://a2.example/two.mp3"]
    assert seen[-2:] == ["reconnecting", "playing"]


def test_drop_waits_with_a_countdown_and_the_reason(ctl, fake) -> None:
    ctl.play(B)
    pump(lambda: ctl.state == "playing", 3)
    fake.unreachable.add(B.streams[0].url)
    fake.drop()
    pump(lambda: ctl.state == "reconnecting", 3, "reconnecting")
    assert 0 < ctl.retry_in_s <= 0.5
    assert ctl.reason in ("the stream ended", "connection refused")  # described at once
    pump(lambda: ctl.reason == "connection refused", 3, "the described reason")
    fake.unreachable.clear()
    pump(lambda: ctl.state == "playing", 3, "playing again")
    assert ctl.reason == "" and ctl.retry_in_s == 0


def test_stall_is_detected_and_recovered(ctl, fake) -> None:
    ctl.play(A)
    pump(lambda: ctl.state == "playing", 3)
    fake.stall()
    pump(lambda: ctl.state == "reconnecting", 3, "stall detected")
    pump(lambda: ctl.state == "playing", 3, "recovered")
    assert len(fake.opened) == 2


def test_user_stop_is_not_undone_by_a_pending_retry(ctl, fake) -> None:
    from kivy.clock import Clock

    ctl.play(A)
    pump(lambda: ctl.state == "playing", 3)
    fake.fail()
    pump(lambda: ctl.state == "reconnecting", 3)
    ctl.stop()
    opened = len(fake.opened)
    for _ in range(40):  # ~0.6 s of clock, longer than any retry delay of FAST
        Clock.tick()
    assert ctl.state == "stopped" and len(fake.opened) == opened


def test_unreachable_station_ends_in_a_clear_error(ctl, fake) -> None:
    fake.unreachable |= {s.url for s in A.streams}
    ctl.play(A)
    pump(lambda: ctl.state == "error", 5, "error")
    assert ctl.error == ("Station A: the stream could not be reached (connection refused) "
                         "after 4 tries")
    assert len(fake.opened) == 4
    assert fake.opened[:2] == ["http://a.example/one.mp3", "http://a2.example/two.mp3"]


def test_resolver_failure_is_an_error_naming_the_station(fake) -> None:
    def resolve(_s):
        raise SourceUnavailable('playlist "http://x/p.pls": no playable entry')

    ctl = PlayerController(fake, resolve, policy=FAST, tasks=task_runner())
    try:
        ctl.play(A)
        pump(lambda: ctl.state == "error", 3)
        assert ctl.error == 'Station A: playlist "http://x/p.pls": no playable entry'
        assert fake.opened == []
    finally:
        ctl.shutdown()


def test_resolution_runs_off_the_kivy_thread(fake) -> None:
    import threading

    threads: list[str] = []

    def resolve(s):
        threads.append(threading.current_thread().name)
        return [s.streams[0].url]

    ctl = PlayerController(fake, resolve, policy=FAST, tasks=task_runner())
    try:
        ctl.play(B)
        pump(lambda: ctl.state == "playing", 3)
        assert threads and threads[0] != threading.main_thread().name
    finally:
        ctl.shutdown()


def test_volume_and_mute_reach_the_backend(ctl, fake) -> None:
    ctl.set_volume(140)
    assert ctl.volume == 100 and fake.volume == 100
    ctl.set_volume(35.4)
    assert ctl.volume == 35 and fake.volume == 35
    ctl.toggle_mute()
    assert ctl.muted and fake.muted
    ctl.play(A)
    pump(lambda: ctl.state == "playing", 3)
    assert fake.volume == 35 and fake.muted


def test_live_pause_lets_go_and_resume_reconnects(ctl, fake) -> None:
    ctl.play(A)
    pump(lambda: ctl.state == "playing", 3)
    ctl.toggle()
    assert ctl.state == "paused"
    ctl.toggle()
    pump(lambda: ctl.state == "playing", 3)
    assert len(fake.opened) == 2


def test_ondemand_position_seek_and_back_to_live(ctl, fake) -> None:
    fake.length_s = 300.0
    ctl.play(A)
    pump(lambda: ctl.state == "playing", 3)
    ctl.play_ondemand("https://news.example/cast.mp3", "NPR News: 10 AM")
    assert ctl.mode == "ondemand" and ctl.now_playing == "NPR News: 10 AM"
    pump(lambda: ctl.state == "playing" and ctl.position_s > 0, 3, "position")
    assert ctl.seekable and ctl.duration_s == 300.0
    ctl.seek(120)
    pump(lambda: ctl.position_s >= 120, 3, "seek")
    ctl.pause()
    assert ctl.state == "paused"
    ctl.toggle()
    pump(lambda: ctl.state == "playing", 3)
    ctl.back_to_live()
    pump(lambda: ctl.state == "playing" and ctl.mode == "live", 3)
    assert ctl.station is A and fake.url == "http://a.example/one.mp3"


def test_ondemand_end_stops_without_reconnecting(ctl, fake) -> None:
    ctl.play_ondemand("https://news.example/cast.mp3", "News")
    pump(lambda: ctl.state == "playing", 3)
    fake.drop()
    pump(lambda: ctl.state == "stopped", 3)
    assert fake.opened == ["https://news.example/cast.mp3"]


def test_ondemand_refuses_unsafe_url(ctl, fake) -> None:
    ctl.play_ondemand("file:///etc/passwd", "x")
    assert ctl.state == "error" and "file" in ctl.error and fake.opened == []


def test_select_does_not_play(ctl, fake) -> None:
    ctl.select(B)
    assert ctl.station is B and ctl.state == "stopped" and fake.opened == []


def test_clean_title() -> None:
    assert clean_title("  a\tb\x1b[0m  c ") == "a b [0m c"
    assert len(clean_title("x" * 1000)) == 200


def test_a_stream_that_never_opens_is_retried_after_the_open_timeout(fake) -> None:
    fake.open_delay_s = 30.0  # libvlc stuck in "opening" (lost sync on an AAC stream)
    ctl = PlayerController(fake, policy=FAST, stall_s=5.0, open_timeout_s=0.4, tasks=task_runner())
    try:
        ctl.play(A)
        pump(lambda: ctl.state == "reconnecting", 2, "open timeout")
        assert fake.opened[0] == "http://a.example/one.mp3"
        fake.open_delay_s = 0.02
        pump(lambda: ctl.state == "playing", 3, "second try plays")
        # a silent open is tried again at once, on the same URL (a new join of the stream)
        assert fake.opened == ["http://a.example/one.mp3", "http://a.example/one.mp3"]
    finally:
        ctl.shutdown()
