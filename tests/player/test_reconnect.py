"""Recovery through the PlayerController over the in-memory backend (no network, no window):
outages retried for ever once audio was heard, with a countdown, a reason and "retry now",
the schedule following a hand-moved clock; mirrors resolved lazily."""

from __future__ import annotations

import threading
import time

import pytest

from infra.errors import SourceUnavailable
from player.controller import PlayerController
from player.fake_backend import FakeBackend
from player.recovery import SOURCE_RECONNECTING, RetryPolicy
from player.resolver import lazy_candidates
from tests.player.conftest import pump, station
from tests.support.clock import ManualClock
from tests.support.tasks import task_runner

B = station("b", "Station B", "http://b.example/live")


@pytest.fixture
def fake() -> FakeBackend:
    return FakeBackend()


def states(ctl: PlayerController) -> list[str]:
    seen: list[str] = []
    ctl.bind(state=lambda _c, s: seen.append(s))
    return seen


QUICK_OUTAGE = RetryPolicy(max_tries=2, base_s=0.02, cap_s=0.02, burst_s=0.02, probe_s=0.02,
                           jitter=0.0)


def make(fake: FakeBackend, resolve=None, **options) -> PlayerController:
    options.setdefault("policy", QUICK_OUTAGE)
    options.setdefault("describe", lambda url: "connection refused")
    return PlayerController(fake, resolve, tasks=task_runner(), **options)


def test_after_audio_a_long_outage_is_retried_for_ever(fake) -> None:
    ctl = make(fake)
    seen = states(ctl)
    try:
        ctl.play(B)
        pump(lambda: ctl.state == "playing", 3)
        fake.unreachable.add(B.streams[0].url)
        fake.drop()
        pump(lambda: len(fake.opened) > 40, 10, "40 probes")  # 20 times the first budget
        assert ctl.state == "reconnecting" and "error" not in seen and ctl.error == ""
        fake.unreachable.clear()
        pump(lambda: ctl.state == "playing", 3, "back")
        fake.unreachable.add(B.streams[0].url)  # and again, at once
        fake.drop()
        pump(lambda: len(fake.opened) > 60, 10, "more probes")
        fake.unreachable.clear()
        pump(lambda: ctl.state == "playing", 3, "back again")
        assert "error" not in seen
    finally:
        ctl.shutdown()


def test_stop_during_an_outage_ends_the_retries(fake) -> None:
    from kivy.clock import Clock

    ctl = make(fake)
    try:
        ctl.play(B)
        pump(lambda: ctl.state == "playing", 3)
        fake.unreachable.add(B.streams[0].url)
        fake.drop()
        pump(lambda: len(fake.opened) > 5, 5, "probes")
        ctl.stop()
        opened = len(fake.opened)
        for _ in range(30):
            Clock.tick()
        assert ctl.state == "stopped" and len(fake.opened) == opened and ctl.reason == ""
    finally:
        ctl.shutdown()


def test_a_404_after_audio_reads_as_the_source_reconnecting(fake) -> None:
    ctl = make(fake, describe=lambda url: "HTTP 404 File Not Found")
    try:
        ctl.play(B)
        pump(lambda: ctl.state == "playing", 3)
        fake.unreachable.add(B.streams[0].url)
        fake.drop()
        pump(lambda: ctl.reason == SOURCE_RECONNECTING, 3, "source reconnecting")
        pump(lambda: len(fake.opened) > 20, 5, "probes")
        assert ctl.state == "reconnecting"
    finally:
        ctl.shutdown()


def test_a_404_on_a_first_connection_is_an_error_after_its_tries(fake) -> None:
    ctl = make(fake, describe=lambda url: "HTTP 404 File Not Found")
    fake.unreachable.add(B.streams[0].url)
    try:
        ctl.play(B)
        pump(lambda: ctl.state == "error", 3, "error")
        assert ctl.error == ("Station B: the stream could not be reached "
                             "(HTTP 404 File Not Found) after 2 tries")
        assert len(fake.opened) == 2
    finally:
        ctl.shutdown()


def test_retry_now_cuts_the_wait_short(fake) -> None:
    ctl = make(fake, policy=RetryPolicy(burst_s=60.0, probe_s=60.0, jitter=0.0))
    try:
        ctl.play(B)
        pump(lambda: ctl.state == "playing", 3)
        fake.drop()
        pump(lambda: ctl.state == "reconnecting", 3)
        assert 59 < ctl.retry_in_s <= 60 and len(fake.opened) == 1
        ctl.retry_now()
        assert len(fake.opened) == 2 and ctl.retry_in_s == 0
        pump(lambda: ctl.state == "playing", 3, "playing after retry now")
        ctl.retry_now()  # not reconnecting: nothing happens
        assert len(fake.opened) == 2
    finally:
        ctl.shutdown()


def test_the_outage_schedule_follows_the_hand_moved_clock(fake) -> None:
    clock = ManualClock(1000.0)
    ctl = make(fake, clock=clock, policy=RetryPolicy(jitter=0.0))
    try:
        ctl.play(B)
        pump(lambda: ctl.state == "playing", 3)  # audio heard at 1000
        fake.unreachable.add(B.streams[0].url)
        fake.drop()
        pump(lambda: ctl.state == "reconnecting", 3)
        assert ctl.retry_in_s == 0.5  # a fresh outage: probes every half second
        clock.now += 30
        pump(lambda: ctl.retry_in_s == 1.0, 3, "every second after 10 s")
        clock.now += 170  # 200 s without audio: the longest wait
        ctl.retry_now()
        pump(lambda: ctl.retry_in_s == 30.0, 3, "the 30 s cap")
        clock.now += 12
        pump(lambda: ctl.retry_in_s == 18.0, 3, "countdown on the same clock")
        fake.unreachable.clear()
        ctl.retry_now()
        pump(lambda: ctl.state == "playing", 3, "back")
    finally:
        ctl.shutdown()


# -- lazy mirrors ---------------------------------------------------------------------
def lazy(resolve_one):
    """A resolver taking mirrors through player.resolver.lazy_candidates."""
    return lambda station: lazy_candidates(station, resolve_one)


def test_only_the_first_mirror_is_resolved_until_it_fails(fake) -> None:
    resolved: list[str] = []

    def resolve_one(url):
        resolved.append(url)
        return [url]

    three = station("t", "Three", "http://one.example/a", "http://two.example/b.pls",
                    "http://three.example/c.m3u")
    ctl = make(fake, lazy(resolve_one))
    try:
        ctl.play(three)
        pump(lambda: ctl.state == "playing", 3)
        assert resolved == ["http://one.example/a"]
        fake.unreachable.add("http://one.example/a")
        fake.drop()
        pump(lambda: ctl.state == "playing" and fake.url == "http://two.example/b.pls", 3)
        assert resolved == ["http://one.example/a", "http://two.example/b.pls"]
    finally:
        ctl.shutdown()


def test_a_hanging_next_mirror_does_not_stop_retrying_the_known_one(fake) -> None:
    release = threading.Event()

    def resolve_one(url):
        if "hang" in url:
            release.wait(10)  # a playlist server that never answers (until the test ends)
            raise SourceUnavailable(f"{url}: timed out after 10 s")
        return [url]

    st = station("h", "Hang FM", "http://up.example/live", "http://hang.example/live.pls")
    ctl = make(fake, lazy(resolve_one))
    try:
        ctl.play(st)
        pump(lambda: ctl.state == "playing", 3)
        fake.unreachable.add("http://up.example/live")
        fake.drop()
        pump(lambda: len(fake.opened) > 10, 5, "the known mirror retried while the next hangs")
        fake.unreachable.clear()
        pump(lambda: ctl.state == "playing", 3, "back on the known mirror")
        assert set(fake.opened) == {"http://up.example/live"}
    finally:
        release.set()
        ctl.shutdown()


def test_a_hanging_second_mirror_does_not_delay_the_first(fake) -> None:
    release = threading.Event()

    def resolve_one(url):
        if "hang" in url:
            release.wait(10)
        return [url]

    st = station("h", "Hang FM", "http://up.example/live", "http://hang.example/live.pls")
    ctl = make(fake, lazy(resolve_one))
    try:
        started = time.monotonic()
        ctl.play(st)
        pump(lambda: ctl.state == "playing", 3)
        assert time.monotonic() - started < 1.0
    finally:
        release.set()
        ctl.shutdown()
