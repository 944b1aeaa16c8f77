"""The directory client and `onair search`, against Radio Browser servers on loopback
(tests/support/directory_server.py): real HTTP through the one HTTP client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.errors import BadInput, SourceUnavailable
from infra.http import HttpClient, default_user_agent
from infra.urls import url_problem
from library.directory import Directory, discover_servers, servers_from_env
from tests.support.directory_server import (
    BROKEN_UUID,
    CONTROL_UUID,
    FILE_URL_UUID,
    HOSTILE_UUIDS,
    MARKUP_NAME,
    TONE_A_UUID,
    TONE_B_UUID,
    DirectoryServer,
    silent_server,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def http(tmp_path: Path) -> Iterator[HttpClient]:
    client = HttpClient(tmp_path / "cache", timeout=(1.0, 1.0), deadline_s=3.0)
    yield client
    client.close()


@pytest.fixture
def good() -> Iterator[DirectoryServer]:
    with DirectoryServer() as server:
        yield server


@pytest.fixture
def down() -> Iterator[DirectoryServer]:
    with DirectoryServer(status=500) as server:
        yield server


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_search_sends_every_filter_popularity_order_hidebroken_and_our_user_agent(
        http, good) -> None:
    found = Directory(http, [good.url]).search(" KCUR ", tag="npr", country="us",
                                               state="Missouri", codec="MP3", limit=10)
    assert [s.id for s in found] == [TONE_A_UUID]
    assert good.searches() == [{"name": "KCUR", "tag": "npr", "countrycode": "US",
                                "state": "Missouri", "codec": "MP3", "order": "clickcount",
                                "reverse": "true", "limit": "10", "hidebroken": "true"}]
    assert {s.user_agent for s in good.seen} == {default_user_agent()}
    assert default_user_agent().startswith("OnAir/")


def test_a_search_gives_only_safe_records_most_clicked_first_without_broken_ones(
        http, good) -> None:
    found = Directory(http, [good.url]).search()
    ids = [s.id for s in found]
    assert good.searches()[0] == {"order": "clickcount", "reverse": "true", "limit": "50",
                                  "hidebroken": "true"}
    assert BROKEN_UUID not in ids and FILE_URL_UUID not in ids
    assert ids[:3] == ["98adecf7-2683-4408-9be7-02d3f9098eb8", TONE_A_UUID, TONE_B_UUID]
    assert {u for u, fate in HOSTILE_UUIDS.items() if fate == "kept"} <= set(ids)
    assert not {u for u, fate in HOSTILE_UUIDS.items() if fate == "dropped"} & set(ids)
    assert all(url_problem(s.url) is None for s in found)
    assert Directory(http, [good.url]).search(limit=2) == found[:2]


def test_failing_servers_are_passed_over_in_order_and_the_one_that_answered_is_asked_first(
        http, down, good) -> None:
    with silent_server() as hung, DirectoryServer() as spare:
        directory = Directory(http, [down.url, hung, closed_port_url(), good.url, spare.url])
        started = time.monotonic()
        found = directory.search("tone")
        assert time.monotonic() - started < 8  # the hang costs one read timeout (1 s)
        assert [s.id for s in found] == [TONE_A_UUID, TONE_B_UUID]
        assert down.paths() == ["/json/stations/search"]
        assert len(good.searches()) == 1 and spare.seen == []  # tried in order, stopped there
        directory.search("wkar")
        assert len(down.seen) == 1 and len(good.searches()) == 2 and spare.seen == []


def test_when_every_server_fails_the_error_names_each_and_why(http, down) -> None:
    closed = closed_port_url()
    with silent_server() as hung, DirectoryServer(body=b"<html>maintenance</html>") as junk:
        directory = Directory(http, [down.url, hung, closed, junk.url])
        with pytest.raises(SourceUnavailable) as caught:
            directory.search("kcur")
    message = str(caught.value)
    assert message.startswith("Radio Browser directory: no server answered (")
    for server, why in ((down.url, "HTTP 500"), (hung, "timed out"),
                        (closed, "connection refused"),
                        (junk.url, "answered something that is not JSON")):
        assert f"{server.removeprefix('http://')}: {why}" in message
    assert "\n" not in message


def test_a_server_answering_junk_is_passed_over_and_its_junk_never_cached(http, good) -> None:
    with DirectoryServer(body=b'{"error": "rate limited"}') as junk:
        directory = Directory(http, [junk.url, good.url])
        assert [s.id for s in directory.search("kcur")] == [TONE_A_UUID]
        with pytest.raises(SourceUnavailable, match="a JSON dict, not a list"):
            Directory(http, [junk.url]).search("kcur")
        assert len(junk.searches()) == 2


def test_a_search_is_asked_again_once_its_copy_expires_and_a_stale_copy_never_answers(
        tmp_path, good) -> None:
    http = HttpClient(tmp_path / "cache", timeout=(1.0, 1.0), deadline_s=3.0, expire_after_s=0)
    try:
        directory = Directory(http, [good.url])
        first = directory.search("kcur")
        assert directory.search("kcur") == first and len(good.searches()) == 2
        good.status = 500
        with pytest.raises(SourceUnavailable, match=r"127\.0\.0\.1:\d+: HTTP 500"):
            directory.search("kcur")
    finally:
        http.close()


@pytest.mark.parametrize(("options", "why"), [
    ({"limit": 0}, "limit 0: expected 1 to 500"), ({"limit": 501}, "expected 1 to 500"),
    ({"country": "USA"}, "two-letter country code"), ({"country": "1A"}, "two-letter"),
    ({"query": "x" * 201}, "longer than 200"), ({"tag": "a\x00b"}, "control characters"),
])
def test_bad_search_input_is_refused_before_any_request(http, good, options, why) -> None:
    with pytest.raises(BadInput, match=why):
        Directory(http, [good.url]).search(**options)
    assert good.seen == []


def test_get_a_station_by_uuid(http, down, good) -> None:
    directory = Directory(http, [down.url, good.url])
    station = directory.get(TONE_B_UUID)
    assert (station.id, station.name, station.codec) == (TONE_B_UUID, "WKAR Tone B", "AAC")
    assert good.paths() == [f"/json/stations/byuuid/{TONE_B_UUID}"]
    assert directory.get(CONTROL_UUID).name == "Night Owl Radio Line two end"
    with pytest.raises(BadInput, match="no such station in the directory"):
        directory.get("00000000-0000-4000-8000-000000000000")
    with pytest.raises(BadInput, match="no playable http"):
        directory.get(FILE_URL_UUID)
    asked = len(good.seen)
    for bad in ("../../json/url/x", "a b", "", "x?limit=1"):
        with pytest.raises(BadInput, match="not a station uuid"):
            directory.get(bad)
    assert len(good.seen) == asked


def test_a_click_is_counted_once_per_call_never_cached_on_the_first_server_that_answers(
        http, down, good) -> None:
    directory = Directory(http, [down.url, good.url])
    directory.count_click(TONE_A_UUID)
    assert good.clicks == {TONE_A_UUID: 1} and down.paths() == [f"/json/url/{TONE_A_UUID}"]
    directory.count_click(TONE_A_UUID)
    assert good.clicks == {TONE_A_UUID: 2} and len(down.seen) == 1  # straight to good now
    assert {s.user_agent for s in good.seen} == {default_user_agent()}


def test_a_failed_click_count_never_raises(http, down) -> None:
    with silent_server() as hung:
        Directory(http, [down.url, hung, closed_port_url()]).count_click(TONE_A_UUID)
    Directory(http, resolver=lambda: []).count_click(TONE_A_UUID)

    def no_dns() -> list[str]:
        raise SourceUnavailable("Radio Browser directory: no servers found")

    Directory(http, resolver=no_dns).count_click(TONE_A_UUID)
    Directory(http, [down.url]).count_click("../evil")
    assert down.paths() == [f"/json/url/{TONE_A_UUID}"]


def test_servers_come_from_the_environment_in_order() -> None:
    env = {"ONAIR_RADIO_BROWSER": " http://127.0.0.1:1/ ,, https://de1.api.radio-browser.info"}
    assert servers_from_env(env) == ["http://127.0.0.1:1", "https://de1.api.radio-browser.info"]
    assert servers_from_env({}) is None and servers_from_env({"ONAIR_RADIO_BROWSER": " , "}) \
        is None
    with pytest.raises(BadInput, match='ONAIR_RADIO_BROWSER: "file:///etc/passwd"'):
        servers_from_env({"ONAIR_RADIO_BROWSER": "http://ok.example,file:///etc/passwd"})


def test_discovery_asks_dns_once_and_its_servers_fail_over_like_any(http, down, good) -> None:
    calls = []

    def resolver() -> list[str]:
        calls.append(1)
        return [down.url, good.url + "/", "javascript:x"]

    directory = Directory(http, resolver=resolver)
    assert directory.search("kcur")[0].id == TONE_A_UUID
    directory.count_click(TONE_A_UUID)
    assert len(calls) == 1 and good.clicks[TONE_A_UUID] == 1


def test_dns_discovery_names_each_address_within_the_domain_and_shuffles() -> None:
    """Real lookups of localhost (no network needed): its addresses named by reverse DNS."""
    shuffled = []
    assert discover_servers("localhost", shuffle=shuffled.append) == ["https://localhost"]
    assert shuffled == [["https://localhost"]]
    with pytest.raises(SourceUnavailable, match="no servers found"):
        discover_servers("no-such-host.invalid", deadline_s=2.0)


# -- onair search, run as a user runs it ------------------------------------------------------
def onair(tmp_path: Path, servers: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ONAIR_CACHE_DIR": str(tmp_path / "cache"),
           "ONAIR_CONFIG_DIR": str(tmp_path / "config"), "ONAIR_RADIO_BROWSER": servers}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "search", *args], env=env,
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_search_json_fails_over_and_prints_only_safe_clean_results(tmp_path, down, good) -> None:
    run = onair(tmp_path, f"{down.url},{closed_port_url()},{good.url}", "--json",
                "--limit", "100")
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)["results"]
    assert set(json.loads(run.stdout)) == {"results"}
    assert {tuple(r) for r in results} == {("id", "name", "url", "homepage", "favicon", "tags",
                                            "country", "state", "codec", "bitrate", "votes")}
    by_id = {r["id"]: r for r in results}
    assert set(by_id) == {"98adecf7-2683-4408-9be7-02d3f9098eb8", TONE_A_UUID, TONE_B_UUID,
                          "9617a958-0601-11e8-ae97-52543be04c81"} | {
        u for u, fate in HOSTILE_UUIDS.items() if fate == "kept"}
    for r in results:
        assert url_problem(r["url"]) is None
        assert r["favicon"] is None or url_problem(r["favicon"]) is None
        assert r["name"].isprintable() and len(r["name"]) <= 200
        assert all(t.isprintable() for t in r["tags"])
        assert r["bitrate"] is None or isinstance(r["bitrate"], int)
    assert by_id[TONE_A_UUID] == {
        "id": TONE_A_UUID, "name": "KCUR 89.3 Tone A", "url": f"{good.records[0]['url_resolved']}",
        "homepage": "https://www.kcur.org/", "favicon": "https://www.kcur.org/favicon.ico",
        "tags": ["npr", "public radio", "news", "kansas city"], "country": "US",
        "state": "Missouri", "codec": "MP3", "bitrate": 64, "votes": 1200}
    assert MARKUP_NAME in {r["name"] for r in results}
    assert good.searches()[0]["limit"] == "100" and len(down.seen) == 1


def test_search_prints_a_readable_table(tmp_path, good) -> None:
    run = onair(tmp_path, good.url, "--tag", "public radio")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "FORMAT", "WHERE", "TAGS", "URL"]
    kcur = next(line for line in lines if line.startswith(TONE_A_UUID))
    for part in ("KCUR 89.3 Tone A", "MP3 64k", "US, Missouri", "npr, public radio",
                 "http://127.0.0.1:9/a.mp3"):
        assert part in kcur
    assert all(line.isprintable() for line in lines)
    assert "file:" not in run.stdout and "javascript:" not in run.stdout
    assert good.searches()[0]["tag"] == "public radio"
    none = onair(tmp_path, good.url, "no such station at all")
    assert (none.returncode, none.stdout) == (0, "No stations found.\n")


@pytest.mark.parametrize(("args", "why"), [
    (["--limit", "0"], "onair: search limit 0: expected 1 to 500"),
    (["--country", "USA"], 'onair: search country "USA": expected a two-letter country code'),
])
def test_search_bad_input_exits_2_with_one_line(tmp_path, good, args, why) -> None:
    run = onair(tmp_path, good.url, *args)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith(why) and len(run.stderr.strip().splitlines()) == 1
    assert good.seen == []


def test_a_bad_server_variable_exits_2_naming_it(tmp_path) -> None:
    run = onair(tmp_path, "file:///etc/passwd", "kcur")
    assert run.returncode == 2
    assert run.stderr.startswith('onair: ONAIR_RADIO_BROWSER: "file:///etc/passwd": scheme')


def test_search_with_no_server_answering_exits_3_with_one_line(tmp_path, down) -> None:
    closed = closed_port_url()
    run = onair(tmp_path, f"{down.url},{closed}", "kcur", "--json")
    assert run.returncode == 3 and run.stdout == ""
    assert run.stderr.startswith("onair: Radio Browser directory: no server answered (")
    assert f"{down.url.removeprefix('http://')}: HTTP 500" in run.stderr
    assert f"{closed.removeprefix('http://')}: connection refused" in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1
