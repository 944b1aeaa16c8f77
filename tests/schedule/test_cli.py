"""`onair now|schedule|discover` run as a user runs them, against loopback servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from player.catalogue import catalogue_to_json
from player.stations import Catalogue
from tests.support.metadata_server import CHICAGO as TZ
from tests.support.metadata_server import (
    KCUR_UCS,
    composer_station,
    demo_day,
    grove_homepage,
    hourly,
    serve_composer,
)

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2025, 5, 14)
DAY_PATH = f"/v1/widget/{KCUR_UCS}/day"


def stations_file(tmp_path: Path, base_url: str | None) -> Path:
    cat = Catalogue((composer_station(base_url),
                     composer_station(None, station_id="kcur2")), None)
    path = tmp_path / "stations.json"
    path.write_text(json.dumps(catalogue_to_json(cat)))
    return path


def onair(tmp_path: Path, *args: str, tz: str = "America/Chicago",
          stations: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "ONAIR_CACHE_DIR": str(tmp_path / "cache"),
           "ONAIR_CONFIG_DIR": str(tmp_path / "config"), "TZ": tz}
    pre = ["--stations", str(stations)] if stations else []
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *pre, *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def now_json(tmp_path, stations, at: str) -> dict:
    done = onair(tmp_path, "now", "kcur", "--at", at, "--json", stations=stations)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_now_json_at_a_boundary_minute(httpserver, tmp_path):
    stations = stations_file(tmp_path, serve_composer(httpserver, {DAY: demo_day(DAY)}))
    out = now_json(tmp_path, stations, "2025-05-14T09:00:00-05:00")
    assert set(out) == {"station", "at", "timezone", "on_now", "up_next", "stale", "fetched_at"}
    assert (out["station"], out["at"], out["timezone"]) == (
        "kcur", "2025-05-14T09:00:00-05:00", "America/Chicago")
    assert out["on_now"] == {"title": "1A", "start": "2025-05-14T09:00:00-05:00",
                             "end": "2025-05-14T10:00:00-05:00", "hosts": ["Jenn White"],
                             "description": "Conversation about the news.",
                             "url": "https://www.kcur.org/show/1a",
                             "elapsed_s": 0.0, "duration_s": 3600.0}
    assert out["up_next"]["title"] == "Up To Date"
    assert out["stale"] is False and out["fetched_at"].endswith("+00:00")


def test_now_across_midnight(httpserver, tmp_path):
    days = {DAY: demo_day(DAY), DAY + timedelta(days=1): demo_day(DAY + timedelta(days=1))}
    stations = stations_file(tmp_path, serve_composer(httpserver, days))
    late = now_json(tmp_path, stations, "2025-05-14T23:59:59-05:00")
    assert late["on_now"]["end"] == "2025-05-15T00:00:00-05:00"
    assert late["up_next"]["start"] == "2025-05-15T00:00:00-05:00"
    early = now_json(tmp_path, stations, "2025-05-15T05:00:00Z")  # midnight, station time
    assert early["on_now"]["start"] == "2025-05-15T00:00:00-05:00"
    assert early["up_next"]["title"] == "Morning Edition"


@pytest.mark.parametrize(("day", "at", "on_now", "next_start"), [
    (date(2025, 11, 2), "2025-11-02T01:30:00-06:00", "Hour 3", "2025-11-02T02:00:00-06:00"),
    (date(2025, 11, 2), "2025-11-02T01:30:00-05:00", "Hour 2", "2025-11-02T01:00:00-06:00"),
    (date(2025, 3, 9), "2025-03-09T03:00:00-05:00", "Hour 3", "2025-03-09T04:00:00-05:00"),
])
def test_now_across_a_daylight_saving_change(httpserver, tmp_path, day, at, on_now, next_start):
    stations = stations_file(tmp_path, serve_composer(httpserver, {day: hourly(TZ, day)}))
    out = now_json(tmp_path, stations, at)
    assert out["on_now"]["title"] == on_now and out["on_now"]["duration_s"] == 3600.0
    assert out["up_next"]["start"] == next_start


def test_readable_now_shows_listener_and_station_times(httpserver, tmp_path):
    stations = stations_file(tmp_path, serve_composer(httpserver, {DAY: demo_day(DAY)}))
    here = onair(tmp_path, "now", "kcur", "--at", "2025-05-14T18:45-05:00", stations=stations)
    assert "Up Next 7:00 PM CDT: KCUR Presents [b]Live[/b]" in here.stdout
    assert "On Now 6:30 PM CDT: Marketplace (with Kai Ryssdal)" in here.stdout
    away = onair(tmp_path, "now", "kcur", "--at", "2025-05-14T18:45-05:00", stations=stations,
                 tz="America/New_York")
    assert "Up Next 8:00 PM EDT (7:00 PM CDT): KCUR Presents" in away.stdout


def test_second_now_within_validity_makes_no_request(httpserver, tmp_path):
    base = serve_composer(httpserver, {DAY: demo_day(DAY)},
                          headers={"Cache-Control": "max-age=600"})
    stations = stations_file(tmp_path, base)
    first = now_json(tmp_path, stations, "2025-05-14T12:00-05:00")
    second = now_json(tmp_path, stations, "2025-05-14T12:05-05:00")
    assert len(httpserver.log) == 1
    assert second["fetched_at"] == first["fetched_at"] and second["stale"] is False


def test_source_down_with_a_copy_prints_it_stale(tmp_path):
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    base = serve_composer(server, {DAY: demo_day(DAY)},
                          headers={"Cache-Control": "no-cache", "ETag": '"v1"'})
    stations = stations_file(tmp_path, base)
    first = now_json(tmp_path, stations, "2025-05-14T12:00-05:00")
    server.stop()
    done = onair(tmp_path, "now", "kcur", "--at", "2025-05-14T12:00-05:00", "--json",
                 stations=stations)
    assert done.returncode == 0
    out = json.loads(done.stdout)
    assert out["stale"] is True and out["fetched_at"] == first["fetched_at"]
    assert out["on_now"]["title"] == "Central Standard"
    assert done.stderr.startswith("onair: NPR Composer: connection refused (http://")
    assert "; showing the stale copy fetched at " in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize(("status", "body"), [(500, "oops"), (200, "<html>error</html>")])
def test_source_down_without_a_copy_exits_3(httpserver, tmp_path, status, body):
    httpserver.expect_request(DAY_PATH).respond_with_data(body, status=status,
                                                          content_type="text/html")
    stations = stations_file(tmp_path, httpserver.url_for("/v1"))
    done = onair(tmp_path, "now", "kcur", "--json", stations=stations)
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.startswith("onair: NPR Composer: ")
    assert len(done.stderr.splitlines()) == 1 and httpserver.url_for(DAY_PATH) in done.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["now", "kcur2"], "onair: kcur2 has no schedule source in the catalogue"),
    (["now", "kcur", "--at", "yesterday"], 'onair: --at "yesterday": not an ISO 8601'),
    (["schedule", "kcur", "--date", "2025-13-01"], 'onair: --date "2025-13-01": not a date'),
    (["now", "nope"], 'onair: unknown station "nope" (known: kcur, kcur2)'),
    (["discover", "file:///etc/passwd"], 'onair: homepage URL "file:///etc/passwd": scheme'),
])
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    done = onair(tmp_path, *args, stations=stations_file(tmp_path, "http://127.0.0.1:9/v1"))
    assert done.returncode == 2 and done.stderr.startswith(message)
    assert len(done.stderr.splitlines()) == 1


def test_schedule_json_and_readable_with_a_gap(httpserver, tmp_path):
    airings = [a for a in demo_day(DAY) if a.title != "Central Standard"]  # 12:00-13:00 gap
    stations = stations_file(tmp_path, serve_composer(httpserver, {DAY: airings}))
    done = onair(tmp_path, "schedule", "kcur", "--date", "2025-05-14", "--json",
                 stations=stations)
    out = json.loads(done.stdout)
    assert (out["station"], out["date"], out["timezone"]) == ("kcur", "2025-05-14",
                                                              "America/Chicago")
    assert len(out["programs"]) == 12 and out["programs"][0]["start"].endswith("-05:00")
    text = onair(tmp_path, "schedule", "kcur", "--date", "2025-05-14", stations=stations).stdout
    assert "Wednesday May 14, 2025 (times in CDT)" in text
    assert "12:00 PM CDT  (nothing scheduled)" in text
    assert "4:00 PM CDT  All Things Considered (with Ari Shapiro, Mary Louise Kelly)" in text


def test_discover_a_grove_homepage(httpserver, tmp_path):
    httpserver.expect_request("/").respond_with_data(grove_homepage(),
                                                     content_type="text/html; charset=utf-8")
    done = onair(tmp_path, "discover", httpserver.url_for("/"), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    site = httpserver.url_for("/").rstrip("/")
    assert out == {"name": "KCUR 89.3", "homepage": httpserver.url_for("/"),
                   "streams": ["https://kcur.streamguys1.com/kcur-website-icy"],
                   "ucs": KCUR_UCS,
                   "feeds": [f"{site}/news.rss", f"{site}/politics.rss",
                             "https://www.kcur.org/tags/arts.rss",
                             f"{site}/podcast/up-to-date/rss.xml"]}
    text = onair(tmp_path, "discover", httpserver.url_for("/")).stdout
    assert f"Schedule id (NPR Composer): {KCUR_UCS}" in text


def test_discover_a_page_that_is_not_html(httpserver, tmp_path):
    httpserver.expect_request("/").respond_with_data(b"\x89PNG...", content_type="image/png")
    done = onair(tmp_path, "discover", httpserver.url_for("/"))
    assert done.returncode == 3
    assert done.stderr.startswith("onair: Station website: answered image/png, not a web page")


def test_now_reads_the_schedule_id_from_the_homepage_when_the_catalogue_has_none(
        httpserver, tmp_path):
    base = serve_composer(httpserver, {DAY: demo_day(DAY)})
    httpserver.expect_request("/home").respond_with_data(
        grove_homepage(), content_type="text/html; charset=utf-8")
    data = catalogue_to_json(Catalogue((composer_station(base),), None))
    data["stations"][0]["schedule"]["ucs"] = None
    data["stations"][0]["homepage"] = httpserver.url_for("/home")
    stations = tmp_path / "stations.json"
    stations.write_text(json.dumps(data))
    out = now_json(tmp_path, stations, "2025-05-14T09:00:00-05:00")
    assert out["on_now"] is not None and out["on_now"]["start"] == "2025-05-14T09:00:00-05:00"


def test_now_says_when_the_homepage_names_no_schedule_id(httpserver, tmp_path):
    httpserver.expect_request("/home").respond_with_data(
        "<html><title>Somewhere FM</title></html>", content_type="text/html")
    data = catalogue_to_json(Catalogue((composer_station("http://127.0.0.1:9"),), None))
    data["stations"][0]["schedule"]["ucs"] = None
    data["stations"][0]["homepage"] = httpserver.url_for("/home")
    stations = tmp_path / "stations.json"
    stations.write_text(json.dumps(data))
    done = onair(tmp_path, "now", "kcur", stations=stations)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"onair: kcur: its website names no schedule id ({httpserver.url_for('/home')})")
