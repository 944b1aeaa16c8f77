"""Fixtures of the playback tests: the real Icecast bench, a WAV target, a clock pump."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from player.stations import Station, Stream
from tests.support.icecast import IcecastBench
from tests.support.wait import wait_until


@pytest.fixture
def live_icecast(icecast: IcecastBench) -> Iterator[IcecastBench]:
    """The bench, put back up (restarted) after a test that stopped or froze it."""
    yield icecast
    if not icecast.healthy():
        icecast.stop()
        icecast.start()


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    return tmp_path / "out.wav"


def pump(until: Callable[[], object], timeout: float, what: str = "condition") -> None:
    """Run the Kivy clock (no window) until `until()` is true; fail after `timeout` s."""
    from kivy.clock import Clock

    wait_until(until, timeout, what, step=Clock.tick, interval=0)


def station(sid: str, name: str, *urls: str) -> Station:
    return Station(id=sid, name=name, tagline="", city="", timezone="UTC", homepage=None,
                   logo=None, streams=tuple(Stream(u) for u in urls), schedule=None,
                   news_feed=None)
