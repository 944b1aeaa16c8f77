"""The retry policy and its per-session state (pure, a hand-moved clock), and failure
descriptions against real loopback sockets."""

from __future__ import annotations

import random

import pytest

from player.recovery import (
    SOURCE_RECONNECTING,
    Recovery,
    RetryPolicy,
    describe_failure,
    explain,
)
from tests.support.clock import ManualClock
from tests.support.icecast import free_port


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    p = RetryPolicy(base_s=1.0, factor=2.0, cap_s=8.0, jitter=0.0)
    assert [p.delay(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_only_shortens_and_stays_within_its_fraction() -> None:
    p = RetryPolicy(base_s=2.0, cap_s=30.0, jitter=0.25, rng=random.Random(7))
    delays = [p.delay(3) for _ in range(200)]
    assert all(6.0 <= d <= 8.0 for d in delays)
    assert len(set(delays)) > 150  # not lockstep


def test_budget() -> None:
    p = RetryPolicy(max_tries=3)
    assert [p.exhausted(n) for n in (1, 2, 3, 4)] == [False, False, True, True]
    with pytest.raises(ValueError):
        p.delay(0)


def test_describe_refused_port() -> None:
    assert describe_failure(f"http://127.0.0.1:{free_port()}/x.mp3") == "connection refused"


def test_describe_http_status(httpserver) -> None:
    httpserver.expect_request("/gone.mp3").respond_with_data("no", status=404)
    assert describe_failure(httpserver.url_for("/gone.mp3")) == "HTTP 404 NOT FOUND"


def test_describe_empty_answer(httpserver) -> None:
    httpserver.expect_request("/empty").respond_with_data(b"", content_type="audio/mpeg")
    assert describe_failure(httpserver.url_for("/empty")) == "the server sent no audio"


def test_outage_probes_every_half_second_then_every_second_then_less_up_to_30_s() -> None:
    p = RetryPolicy(jitter=0.0)
    assert [p.outage_delay(s) for s in (0, 5, 9.9)] == [0.5, 0.5, 0.5]
    assert [p.outage_delay(s) for s in (10, 30, 59.9, 60)] == [1.0, 1.0, 1.0, 1.0]
    assert [p.outage_delay(s) for s in (80, 100, 176, 200, 86400)] == [6.0, 11.0, 30.0, 30.0,
                                                                        30.0]


def test_outage_jitter_only_shortens() -> None:
    p = RetryPolicy(rng=random.Random(5))
    assert all(0.375 <= p.outage_delay(3) <= 0.5 for _ in range(100))
    assert all(22.5 <= p.outage_delay(600) <= 30.0 for _ in range(100))


def probe_times(recovery: Recovery, clock: ManualClock, until_s: float) -> list[float]:
    """Fail every try and follow the delays with the hand-moved clock; the try instants."""
    times = []
    while clock.now < until_s:
        recovery.failed()
        delay = recovery.delay(clock.now)
        assert delay is not None, f"gave up after {clock.now} s"
        clock.now += delay
        times.append(clock.now)
    return times


def test_once_heard_an_outage_is_retried_for_ever_quickly_at_first() -> None:
    clock = ManualClock(0.0)  # seconds since audio last flowed
    recovery = Recovery(RetryPolicy(rng=random.Random(2)))
    recovery.audio(clock.now)
    times = probe_times(recovery, clock, 3600.0)
    gaps = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    assert max(g for t, g in zip(times, gaps, strict=True) if t <= 10) <= 0.5
    assert max(g for t, g in zip(times, gaps, strict=True) if t <= 60) <= 1.0
    assert max(gaps) <= 30.0
    assert 60 < len(times) < 250  # an hour's outage: a few probes a minute after the first
    assert recovery.tries == len(times)


def test_audio_again_starts_the_next_outage_afresh() -> None:
    clock = ManualClock(0.0)
    recovery = Recovery(RetryPolicy(jitter=0.0))
    recovery.audio(clock.now)
    probe_times(recovery, clock, 300.0)
    assert recovery.delay(clock.now) == 30.0
    recovery.audio(clock.now)  # it played again, briefly
    clock.now += 1
    recovery.failed()
    assert recovery.delay(clock.now) == 0.5 and recovery.tries == 1


def test_a_first_connection_gives_up_after_its_tries() -> None:
    recovery = Recovery(RetryPolicy(max_tries=3, base_s=1.0, jitter=0.0))
    delays = []
    for _ in range(3):
        recovery.failed()
        delays.append(recovery.delay(0.0))
    assert delays == [1.0, 2.0, None] and not recovery.heard


def test_a_recording_never_counts_as_heard() -> None:
    recovery = Recovery(RetryPolicy(max_tries=2, jitter=0.0), live=False)
    recovery.audio(5.0)
    recovery.failed()
    recovery.failed()
    assert recovery.delay(6.0) is None and not recovery.heard


def test_a_404_after_audio_is_the_source_reconnecting() -> None:
    assert explain("HTTP 404 File Not Found", heard=True) == SOURCE_RECONNECTING
    assert explain("HTTP 404 File Not Found", heard=False) == "HTTP 404 File Not Found"
    assert explain("connection refused", heard=True) == "connection refused"
