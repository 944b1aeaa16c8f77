"""`onair stations add|remove|rename|import|export` as a listener runs them: subprocesses of
main.py with their own config and cache dirs, against loopback servers (a Grove-like
homepage, a Composer, an RSS feed, a Radio Browser server) and the real Icecast bench."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from player.catalogue import DEFAULT_FILE, parse_catalogue
from tests.support.audio import analyse, duration_s
from tests.support.directory_server import DirectoryServer, station_record
from tests.support.feeds import demo_stories, station_rss
from tests.support.icecast import IcecastBench
from tests.support.metadata_server import KCUR_UCS, demo_day, grove_homepage, serve_composer
from tests.support.repo import REPO_ROOT

DAY = date(2025, 5, 14)
HTML = "text/html; charset=utf-8"
UUID = "7a1b2c3d-0601-11e8-ae97-52543be04c81"
SHIPPED_IDS = [s.id for s in parse_catalogue(DEFAULT_FILE.read_bytes(), "x").stations]


def onair(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "ONAIR_CONFIG_DIR": str(tmp_path / "config"),
            "ONAIR_CACHE_DIR": str(tmp_path / "cache"), "TZ": "America/Chicago", **env}
    full.pop("ONAIR_STATIONS", None)
    return subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), *args], env=full,
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT,
                          stdin=subprocess.DEVNULL)


def ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, run.stderr
    return run.stdout


def user_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "stations.json"


def listed(tmp_path: Path) -> dict[str, dict]:
    return {s["id"]: s for s in json.loads(ok(onair(tmp_path, "stations", "--json")))["stations"]}


def grove_site(httpserver) -> str:
    """A Grove-like station site on loopback: homepage (player markup with a Composer id,
    feeds, a Donate button in the header and a Support link in the footer), its RSS feed and
    a Composer serving the demo day. Returns the Composer base URL."""
    base = serve_composer(httpserver, {DAY: demo_day(DAY)})
    page = grove_homepage(name="KCUR 89.3", streams=(httpserver.url_for("/live.mp3"),))
    page = page.replace("<body>", '<body><header class="Page-header"><a class="Button '
                        'Page-header-donate" href="/donate">Donate</a></header>')
    page = page.replace("</body>", '<footer><a href="https://give.example/kcur">Support '
                        "KCUR</a></footer></body>")
    httpserver.expect_request("/").respond_with_data(page, content_type=HTML)
    httpserver.expect_request("/news.rss").respond_with_data(
        station_rss(demo_stories(httpserver.url_for("").rstrip("/"))),
        content_type="application/rss+xml")
    return base


def point_composer_at(tmp_path: Path, station_id: str, base: str) -> None:
    """The Composer's real address is not reachable from a test: the added station's guide
    is pointed at the loopback one (the one change a test makes to the file)."""
    doc = json.loads(user_file(tmp_path).read_text())
    for station in doc["stations"]:
        if station["id"] == station_id:
            station["schedule"]["base_url"] = base
    user_file(tmp_path).write_text(json.dumps(doc))


def test_a_station_added_by_its_website_has_its_guide_news_and_support(httpserver, tmp_path):
    base = grove_site(httpserver)
    run = onair(tmp_path, "stations", "add", "--homepage", httpserver.url_for("/"))
    assert ok(run) == "kcur-2\n"  # the shipped catalogue has "kcur"
    added = listed(tmp_path)["kcur-2"]
    assert added["support"] == httpserver.url_for("/donate")
    assert added["schedule"] == {"source": "composer", "ucs": KCUR_UCS, "base_url": None}
    assert added["news"] == {"feed": httpserver.url_for("/news.rss")}
    assert added["timezone"] == "America/Chicago" and added["homepage"] == httpserver.url_for("/")
    assert list(listed(tmp_path))[:-1] == SHIPPED_IDS

    point_composer_at(tmp_path, "kcur-2", base)
    now = json.loads(ok(onair(tmp_path, "now", "kcur-2", "--at", "2025-05-14T09:30:00-05:00",
                              "--json")))
    assert now["on_now"]["title"] == "1A" and now["up_next"]["title"] == "Up To Date"
    news = json.loads(ok(onair(tmp_path, "news", "kcur-2", "--limit", "2", "--json")))
    assert news["stories"][0]["title"] == ("Kansas City council approves new streetcar "
                                           "extension funding")
    table = ok(onair(tmp_path, "stations")).splitlines()
    assert table[0].split()[-1] == "SUPPORT" and table[-1].split()[-1] == "yes"


def test_add_json_prints_the_station_and_a_site_without_a_stream_exits_3(httpserver,
                                                                          tmp_path):
    grove_site(httpserver)
    station = json.loads(ok(onair(tmp_path, "stations", "add", "--homepage",
                                  httpserver.url_for("/"), "--name", "My KCUR", "--json")))
    assert (station["id"], station["name"]) == ("my-kcur", "My KCUR")
    assert station["streams"] == [{"url": httpserver.url_for("/live.mp3"), "format": None,
                                   "bitrate": None}]
    again = json.loads(ok(onair(tmp_path, "stations", "--json", "add", "--homepage",
                                httpserver.url_for("/"), "--name", "KCUR Two")))
    assert again["name"] == "KCUR Two"  # --json before the change counts too
    httpserver.expect_request("/empty").respond_with_data("<html><title>x</title></html>",
                                                          content_type=HTML)
    run = onair(tmp_path, "stations", "add", "--homepage", httpserver.url_for("/empty"))
    assert run.returncode == 3 and run.stdout == ""
    assert run.stderr == (f"onair: Station website: no live stream found on the page "
                          f"({httpserver.url_for('/empty')})\n")


@pytest.mark.icecast
def test_a_station_added_by_url_plays_its_tone(icecast: IcecastBench, tmp_path) -> None:
    sid = ok(onair(tmp_path, "stations", "add", icecast.url("/a.mp3"), "--name",
                   "Bench A")).strip()
    assert sid == "bench-a"
    assert listed(tmp_path)["bench-a"]["streams"][0]["format"] == "mp3"
    wav = tmp_path / "a.wav"
    ok(onair(tmp_path, "play", sid, "--seconds", "2", ONAIR_AUDIO_FILE=str(wav)))
    assert duration_s(wav) >= 1.5
    freq, rms = analyse(wav, 0.5)
    assert abs(freq - 440) < 15 and rms > 0.03


@pytest.mark.icecast
def test_a_playlist_added_by_url_is_named_by_its_title_and_plays(icecast: IcecastBench,
                                                                 httpserver, tmp_path):
    pls = f"[playlist]\nFile1={icecast.url('/b.mp3')}\nTitle1=Bench B\nNumberOfEntries=1\n"
    httpserver.expect_request("/listen.pls").respond_with_data(pls,
                                                               content_type="audio/x-scpls")
    sid = ok(onair(tmp_path, "stations", "add", httpserver.url_for("/listen.pls"))).strip()
    assert sid == "bench-b"
    assert listed(tmp_path)[sid]["streams"][0]["url"] == httpserver.url_for("/listen.pls")
    wav = tmp_path / "b.wav"
    ok(onair(tmp_path, "play", sid, "--seconds", "2", ONAIR_AUDIO_FILE=str(wav)))
    assert abs(analyse(wav, 0.5)[0] - 1000) < 15


def test_a_web_page_or_an_unreachable_stream_is_not_added(httpserver, tmp_path) -> None:
    httpserver.expect_request("/").respond_with_data(grove_homepage(), content_type=HTML)
    run = onair(tmp_path, "stations", "add", httpserver.url_for("/"))
    assert run.returncode == 2
    assert run.stderr == (f'onair: "{httpserver.url_for("/")}" is a web page, not a stream or '
                          "a playlist: add the station by its website instead\n")
    run = onair(tmp_path, "stations", "add", "http://127.0.0.1:9/live.mp3")
    assert run.returncode == 3
    assert run.stderr == "onair: Stream: connection refused (http://127.0.0.1:9/live.mp3)\n"
    for args in (["add"], ["add", "http://a.example/x", "--homepage", "http://a.example/"]):
        run = onair(tmp_path, "stations", *args)
        assert run.returncode == 2 and "give one of a stream URL" in run.stderr
    assert not user_file(tmp_path).exists()


def test_a_directory_station_is_added_with_what_its_homepage_tells(httpserver, tmp_path):
    grove_site(httpserver)
    records = [station_record(UUID, "KCUR [b]89.3[/b]\n", "http://127.0.0.1:8000/a.mp3",
                              homepage=httpserver.url_for("/"), tags="npr,news",
                              state="Missouri", codec="MP3", bitrate=64),
               station_record("8b000000-0601-11e8-ae97-52543be04c81", "Offline Site FM",
                              "http://127.0.0.1:8000/b.mp3", homepage="http://127.0.0.1:9/")]
    with DirectoryServer(records) as directory:
        env = {"ONAIR_RADIO_BROWSER": directory.url}
        station = json.loads(ok(onair(tmp_path, "stations", "add", "--directory", UUID,
                                      "--json", **env)))
        assert (station["id"], station["name"]) == ("kcur-b-89-3-b", "KCUR [b]89.3[/b]")
        assert station["directory_uuid"] == UUID and station["city"] == "Missouri, US"
        assert station["streams"] == [{"url": "http://127.0.0.1:8000/a.mp3", "format": "mp3",
                                       "bitrate": 64}]
        assert station["schedule"]["ucs"] == KCUR_UCS
        assert station["support"] == httpserver.url_for("/donate")
        assert station["news"] == {"feed": httpserver.url_for("/news.rss")}
        offline = onair(tmp_path, "stations", "add", "--directory", records[1]["stationuuid"],
                        **env)
        assert ok(offline) == "offline-site-fm\n"
        assert offline.stderr.startswith("onair: added without schedule, news or support "
                                         "page: Offline Site FM website: connection refused")
        unknown = onair(tmp_path, "stations", "add", "--directory",
                        "00000000-0000-4000-8000-000000000000", **env)
        assert unknown.returncode == 2 and "no such station in the directory" in unknown.stderr
        assert directory.clicks == {}  # counted when it is first played, not when added


@pytest.mark.icecast
def test_onair_play_counts_a_directory_stations_click_once(icecast: IcecastBench,
                                                            tmp_path) -> None:
    record = station_record(UUID, "Bench Directory FM", icecast.url("/a.mp3"))
    with DirectoryServer([record]) as directory:
        env = {"ONAIR_RADIO_BROWSER": directory.url}
        sid = ok(onair(tmp_path, "stations", "add", "--directory", UUID, **env)).strip()
        assert directory.clicks == {}
        for _ in range(2):  # the first play counts; the second does not count again
            wav = tmp_path / "d.wav"
            ok(onair(tmp_path, "play", sid, "--seconds", "2", ONAIR_AUDIO_FILE=str(wav), **env))
            assert abs(analyse(wav, 0.5)[0] - 440) < 15
            assert directory.clicks == {UUID: 1}


def test_a_corrupt_user_catalogue_is_named_and_left_untouched(httpserver, tmp_path) -> None:
    grove_site(httpserver)
    user_file(tmp_path).parent.mkdir(parents=True)
    broken = b'{"stations": [{"id": "mine", "name": "Mine", "timezone": "UTC",\n  "streams": ['
    user_file(tmp_path).write_bytes(broken)
    for args in (["add", "--homepage", httpserver.url_for("/")], ["remove", "mine"],
                 ["rename", "mine", "Yours"], ["export", str(tmp_path / "x.m3u")]):
        run = onair(tmp_path, "stations", *args)
        assert run.returncode == 2 and run.stdout == ""
        assert run.stderr.startswith(f"onair: {user_file(tmp_path)}: invalid JSON at line 2")
        assert run.stderr.count("\n") == 1
    assert user_file(tmp_path).read_bytes() == broken
    assert sorted(p.name for p in user_file(tmp_path).parent.iterdir()) == ["stations.json"]
    assert not (tmp_path / "x.m3u").exists()


def test_remove_and_rename_keep_one_backup(tmp_path) -> None:
    assert ok(onair(tmp_path, "stations", "rename", "kcur", "KCUR", "Kansas", "City")) == (
        "renamed kcur: KCUR Kansas City\n")
    renamed = user_file(tmp_path).read_bytes()
    assert ok(onair(tmp_path, "stations", "remove", "npr")) == (
        "removed npr (NPR Program Stream)\n")
    backup = user_file(tmp_path).with_name("stations.json.bak")
    assert backup.read_bytes() == renamed
    stations = listed(tmp_path)
    assert list(stations) == [i for i in SHIPPED_IDS if i != "npr"]
    assert stations["kcur"]["name"] == "KCUR Kansas City"
    run = onair(tmp_path, "stations", "remove", "nope")
    assert run.returncode == 2
    assert run.stderr == 'onair: unknown station "nope" (known: kcur, kuhf, wkar)\n'
    assert backup.read_bytes() == renamed


def test_the_override_file_is_the_one_changed(tmp_path) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({"stations": [
        {"id": "local", "name": "Local", "timezone": "UTC",
         "streams": [{"url": "http://127.0.0.1:8000/a.mp3"}]},
        {"id": "other", "name": "Other", "timezone": "UTC",
         "streams": [{"url": "http://127.0.0.1:8000/b.mp3"}]}]}))
    ok(onair(tmp_path, "stations", "remove", "other", "--stations", str(mine)))
    assert [s["id"] for s in json.loads(mine.read_text())["stations"]] == ["local"]
    assert not user_file(tmp_path).exists()


@pytest.mark.parametrize("ext", ["m3u", "pls", "csv"])
def test_import_then_export_round_trips(tmp_path, ext) -> None:
    source = {"m3u": "#EXTM3U\n#EXTINF:-1,Alpha FM\nhttp://127.0.0.1:8000/a.mp3\n"
                     "#EXTINF:-1,Beta, The Station\nhttps://b.example/live?x=1\n",
              "pls": "[playlist]\nFile1=http://127.0.0.1:8000/a.mp3\nTitle1=Alpha FM\n"
                     "File2=https://b.example/live?x=1\nTitle2=Beta, The Station\n"
                     "NumberOfEntries=2\nVersion=2\n",
              "csv": "# mine\nAlpha FM,http://127.0.0.1:8000/a.mp3\n"
                     '"Beta, The Station",https://b.example/live?x=1,utf-8\n'}[ext]
    path = tmp_path / f"in.{ext}"
    path.write_text(source)
    mine = tmp_path / "mine.json"  # only the imported stations, so the export is just them
    mine.write_text(json.dumps({"stations": [
        {"id": "seed", "name": "Seed", "timezone": "UTC",
         "streams": [{"url": "http://127.0.0.1:8000/seed.mp3"}]}]}))
    assert ok(onair(tmp_path, "--stations", str(mine), "stations", "import", str(path))) == (
        "alpha-fm  Alpha FM\nbeta-the-station  Beta, The Station\n")
    ok(onair(tmp_path, "--stations", str(mine), "stations", "remove", "seed"))
    out = tmp_path / f"out.{ext}"
    assert ok(onair(tmp_path, "--stations", str(mine), "stations", "export", str(out))) == (
        f"exported 2 stations to {out}\n")
    again = tmp_path / "again.json"
    again.write_text(mine.read_text())
    result = json.loads(ok(onair(tmp_path, "--stations", str(again), "stations", "import",
                                 str(out), "--json")))
    assert result["added"] == [] and result["problems"] == []
    assert len(result["skipped"]) == 2  # the same stations: already there
    names_urls = [(s["name"], s["streams"][0]["url"])
                  for s in json.loads(mine.read_text())["stations"]]
    assert names_urls == [("Alpha FM", "http://127.0.0.1:8000/a.mp3"),
                          ("Beta, The Station", "https://b.example/live?x=1")]


def test_a_bad_import_line_is_skipped_and_reported_by_its_number(tmp_path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("# pyradio\nGood One,http://127.0.0.1:8000/a.mp3\n"
                    "Evil,file:///etc/passwd\nNo URL\nGood Two,https://b.example/\n")
    run = onair(tmp_path, "stations", "import", str(path))
    assert ok(run) == "good-one  Good One\ngood-two  Good Two\n"
    assert run.stderr.splitlines() == [
        'onair: stations.csv line 3: URL "file:///etc/passwd": scheme "file" is not http or '
        "https",
        "onair: stations.csv line 4: expected name,url"]
    assert list(listed(tmp_path))[-2:] == ["good-one", "good-two"]
    again = onair(tmp_path, "stations", "import", str(path))
    assert again.returncode == 0 and again.stdout == ""
    assert "Good One: skipped, its stream is already in your stations (good-one)" in again.stderr
    bad = tmp_path / "nothing.pls"
    bad.write_text("[playlist]\nFile1=ftp://x/\n")
    run = onair(tmp_path, "stations", "import", str(bad))
    assert run.returncode == 2
    assert run.stderr == (f'onair: {bad}: no stations to import: nothing.pls line 2: File1 '
                          '"ftp://x/": scheme "ftp" is not http or https\n')


def test_plain_stations_still_lists(tmp_path) -> None:
    stations = json.loads(ok(onair(tmp_path, "stations", "--json")))["stations"]
    assert [s["id"] for s in stations] == SHIPPED_IDS
    assert all(s["support"] is None and s["directory_uuid"] is None for s in stations)
