"""The retry policy (pure) and failure descriptions against real loopback sockets."""

from __future__ import annotations

import random

import pytest

from player.recovery import RetryPolicy, describe_failure
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
