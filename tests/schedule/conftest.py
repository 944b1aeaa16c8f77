"""Shared by the guide controller tests: an HTTP client on a temp cache, a hand-moved clock,
and pumping the Kivy clock until a condition holds."""

from __future__ import annotations

from datetime import datetime

import pytest
from kivy.clock import Clock

from infra.http import HttpClient
from tests.support.clock import ManualClock
from tests.support.metadata_server import CHICAGO
from tests.support.wait import wait_until


def pump(condition, timeout: float = 5.0) -> bool:
    """Tick the Kivy clock (fetch results land through it) until `condition` holds."""
    return wait_until(condition, timeout, step=Clock.tick)


@pytest.fixture
def http(tmp_path):
    client = HttpClient(tmp_path, timeout=(1.0, 1.0), deadline_s=3.0)
    yield client
    client.close()


@pytest.fixture
def clock():
    return ManualClock(datetime(2025, 5, 14, 9, 30, tzinfo=CHICAGO))
