"""News test fixtures: an HttpClient with short timeouts and stations pointing at loopback."""

from __future__ import annotations

import pytest

from infra.http import HttpClient
from player.stations import Station, Stream


@pytest.fixture
def http(tmp_path):
    client = HttpClient(tmp_path / "cache", timeout=(1.0, 1.0), deadline_s=3.0)
    yield client
    client.close()


def make_station(feed: str | None, *, id: str = "kcur", name: str = "KCUR 89.3") -> Station:
    return Station(id=id, name=name, tagline="NPR in Kansas City", city="Kansas City, MO",
                   timezone="America/Chicago", homepage="https://www.kcur.org/", logo=None,
                   streams=(Stream("https://stream.example.org/kcur.aac"),), schedule=None,
                   news_feed=feed)
