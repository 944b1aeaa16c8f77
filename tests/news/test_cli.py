"""`onair news` and `onair newscast` as a user runs them: a subprocess against loopback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.support.feeds import demo_stories, newscast_item, newscast_rss, station_rss
from tests.support.metadata_server import silent_server
from tests.support.repo import REPO_ROOT

RSS = "application/rss+xml"
NOW = datetime.now(UTC).replace(microsecond=0)


def catalogue(path: Path, news_feed: str | None, newscast_feed: str | None) -> Path:
    station = {
        "id": "kcur", "name": "KCUR 89.3", "tagline": "NPR in Kansas City",
        "city": "Kansas City, MO", "timezone": "America/Chicago",
        "homepage": "https://www.kcur.org/", "logo": None,
        "streams": [{"url": "https://stream.example.org/kcur.aac", "format": "aac",
                     "bitrate": 64}],
        "schedule": None, "news": {"feed": news_feed} if news_feed else None,
    }
    doc = {"stations": [station],
           "newscast": {"feed": newscast_feed} if newscast_feed else None}
    path.write_text(json.dumps(doc))
    return path


def onair(tmp_path: Path, *args: str, tz: str = "America/New_York") -> subprocess.CompletedProcess:
    env = dict(os.environ, ONAIR_CACHE_DIR=str(tmp_path / "cache"),
               ONAIR_CONFIG_DIR=str(tmp_path / "config"), TZ=tz)
    return subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)


@pytest.fixture
def feeds(httpserver, tmp_path) -> Path:
    httpserver.expect_request("/news.rss").respond_with_data(
        station_rss(demo_stories(httpserver.url_for("").rstrip("/"), now=NOW)),
        content_type=RSS, headers={"Cache-Control": "max-age=0"})
    httpserver.expect_request("/podcast.xml").respond_with_data(
        newscast_rss([newscast_item(NOW, "https://e.org/news-now.mp3")]),
        content_type="text/xml")
    return catalogue(tmp_path / "stations.json", httpserver.url_for("/news.rss"),
                     httpserver.url_for("/podcast.xml"))


def test_news_json(feeds, tmp_path) -> None:
    run = onair(tmp_path, "--stations", str(feeds), "news", "kcur", "--limit", "3", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["station"] == "kcur" and len(doc["stories"]) == 3
    first = doc["stories"][0]
    assert first["title"] == "Kansas City council approves new streetcar extension funding"
    assert first["byline"] == "By Celisa Calacal" and first["authors"] == ["Celisa Calacal"]
    assert datetime.fromisoformat(first["published"]).utcoffset() is not None
    assert first["image"]["url"].endswith("/images/story-1.png")
    assert first["body"][0].startswith("The Kansas City Council voted")


def test_news_readable_in_listener_time(feeds, tmp_path) -> None:
    run = onair(tmp_path, "--stations", str(feeds), "news", "kcur", "--limit", "2",
                tz="America/Los_Angeles")
    assert run.returncode == 0, run.stderr
    p = demo_stories(now=NOW)[0]["published"].astimezone(ZoneInfo("America/Los_Angeles"))
    when = f"{p:%a %b} {p.day}, {p:%I:%M %p}".replace(", 0", ", ") + f" {p.tzname()}"
    assert "Kansas City council approves new streetcar extension funding" in run.stdout
    assert f"By Celisa Calacal · {when}\n" in run.stdout
    assert "The vote clears the way for construction to begin next spring." in run.stdout
    assert "Missouri River" in run.stdout and "Kansas schools" not in run.stdout
    assert run.stderr == ""


def test_newscast_json_and_text(feeds, tmp_path) -> None:
    run = onair(tmp_path, "--stations", str(feeds), "newscast", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"title": newscast_item(NOW, "x")["title"],
                                      "published": NOW.isoformat(),
                                      "audio_url": "https://e.org/news-now.mp3",
                                      "duration_s": 287.0}
    text = onair(tmp_path, "--stations", str(feeds), "newscast")
    assert text.returncode == 0 and "https://e.org/news-now.mp3" in text.stdout
    assert "4:47" in text.stdout


def test_station_without_news_feed_exits_2(tmp_path) -> None:
    cat = catalogue(tmp_path / "s.json", None, None)
    run = onair(tmp_path, "--stations", str(cat), "news", "kcur")
    assert run.returncode == 2
    assert run.stderr.strip() == 'onair: station "kcur" (KCUR 89.3) has no news feed'
    run = onair(tmp_path, "--stations", str(cat), "newscast")
    assert run.returncode == 2 and "no newscast feed" in run.stderr
    run = onair(tmp_path, "--stations", str(cat), "news", "nope")
    assert run.returncode == 2 and 'unknown station "nope"' in run.stderr


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_source_that_never_answers_exits_3_after_the_read_timeout(tmp_path) -> None:
    with silent_server() as base:
        cat = catalogue(tmp_path / "s.json", base + "/news.rss", None)
        started = time.monotonic()
        run = onair(tmp_path, "--stations", str(cat), "news", "kcur", "--json")
    assert time.monotonic() - started < 20
    assert run.returncode == 3 and run.stdout == ""
    assert run.stderr.startswith("onair: KCUR 89.3 news feed: timed out")
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_newscast_source_down_exits_3(tmp_path) -> None:
    cat = catalogue(tmp_path / "s.json", None, closed_port_url() + "/podcast.xml")
    run = onair(tmp_path, "--stations", str(cat), "newscast", "--json")
    assert run.returncode == 3 and run.stdout == ""
    assert run.stderr.startswith("onair: NPR News Now feed: connection refused")


def test_error_page_without_cache_exits_3(httpserver, tmp_path) -> None:
    httpserver.expect_request("/news.rss").respond_with_data(
        "<html><body>Site maintenance</body></html>", content_type="text/html")
    cat = catalogue(tmp_path / "s.json", httpserver.url_for("/news.rss"), None)
    run = onair(tmp_path, "--stations", str(cat), "news", "kcur")
    assert run.returncode == 3
    assert run.stderr.startswith("onair: KCUR 89.3 news feed: not an RSS feed")


def test_stale_cache_prints_data_and_a_note(feeds, httpserver, tmp_path) -> None:
    assert onair(tmp_path, "--stations", str(feeds), "news", "kcur", "--json").returncode == 0
    httpserver.clear()
    httpserver.expect_request("/news.rss").respond_with_data("busy", status=503)
    run = onair(tmp_path, "--stations", str(feeds), "news", "kcur", "--json")
    assert run.returncode == 0
    assert len(json.loads(run.stdout)["stories"]) == 6
    assert run.stderr.startswith("onair: stale: KCUR 89.3 news feed could not be refreshed")
    assert "HTTP 503" in run.stderr and "showing the copy from" in run.stderr


def test_limit_must_be_positive(feeds, tmp_path) -> None:
    run = onair(tmp_path, "--stations", str(feeds), "news", "kcur", "--limit", "0")
    assert run.returncode == 2 and "--limit 0" in run.stderr
