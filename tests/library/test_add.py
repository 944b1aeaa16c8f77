"""New stations from a stream or playlist URL, a website and a directory record, against real
HTTP servers on loopback (pytest-httpserver)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import urlsplit

import pytest

from infra.errors import BadInput, SourceUnavailable
from infra.http import HttpClient
from library.add import (
    enrich_from_homepage,
    station_from_directory,
    station_from_homepage,
    station_from_stream,
)
from library.model import parse_record
from tests.support.directory_server import TONE_A_UUID, demo_records, station_record
from tests.support.metadata_server import KCUR_UCS, grove_homepage
from tests.support.realworld import STATION_WEB_PAGE

HTML = "text/html; charset=utf-8"
MP3 = b"\xff\xfb\x90\x64" + bytes(4000)  # an MPEG audio frame header, then silence


@pytest.fixture
def http(tmp_path) -> Iterator[HttpClient]:
    client = HttpClient(cache_dir=tmp_path / "http")
    yield client
    client.close()


def grove_page(server, *, streams: tuple[str, ...] | None = None) -> str:
    """A Grove-like homepage on `server`: player markup, feeds, a header and footer donate
    link (the footer one on a payment provider)."""
    page = grove_homepage(streams=streams if streams is not None
                          else (server.url_for("/live.mp3"),))
    page = page.replace("<body>", '<body><header><a class="Page-header-donate" '
                        'href="/donate"><span>Donate</span></a></header>')
    return page.replace("</body>", '<footer><a href="https://give.example/kcur">Give</a>'
                        "</footer></body>")


def test_a_stream_url_is_probed_and_named_after_its_host(httpserver, http) -> None:
    httpserver.expect_request("/live").respond_with_data(MP3, content_type="audio/mpeg")
    url = httpserver.url_for("/live")
    station = station_from_stream(url, None, http.fetch_head)
    assert station.name == f"{urlsplit(url).hostname}/live"
    assert [(s.url, s.format) for s in station.streams] == [(url, "mp3")]
    assert station.schedule is None and station.news_feed is None and station.support is None
    named = station_from_stream(url, " My\nStation ", http.fetch_head)
    assert (named.name, named.id) == ("My Station", "my-station")


def test_a_playlist_is_resolved_named_by_its_title_and_stored_as_given(httpserver, http):
    httpserver.expect_request("/dead.mp3").respond_with_data("gone", status=404)
    httpserver.expect_request("/live.aac").respond_with_data(MP3, content_type="audio/aac")
    pls = (f"[playlist]\nFile1={httpserver.url_for('/dead.mp3')}\nTitle1=KCUR 89.3 (AAC)\n"
           f"File2={httpserver.url_for('/live.aac')}\nTitle2=KCUR backup\nNumberOfEntries=2\n")
    httpserver.expect_request("/listen.pls").respond_with_data(pls,
                                                               content_type="audio/x-scpls")
    url = httpserver.url_for("/listen.pls")
    station = station_from_stream(url, None, http.fetch_head)
    assert station.name == "KCUR 89.3 (AAC)" and station.id == "kcur-89-3-aac"
    assert [(s.url, s.format) for s in station.streams] == [(url, "aac")]


def test_a_web_page_is_refused_with_a_hint(httpserver, http) -> None:
    httpserver.expect_request("/").respond_with_data(grove_page(httpserver), content_type=HTML)
    with pytest.raises(BadInput, match="is a web page, not a stream or a playlist: add the "
                                       "station by its website instead"):
        station_from_stream(httpserver.url_for("/"), None, http.fetch_head)


def test_a_playlist_of_web_pages_or_nothing_reachable_is_unavailable(httpserver, http):
    httpserver.expect_request("/page").respond_with_data(STATION_WEB_PAGE, content_type=HTML)
    httpserver.expect_request("/p.m3u").respond_with_data(
        f"#EXTM3U\n{httpserver.url_for('/page')}\n", content_type="audio/x-mpegurl")
    with pytest.raises(SourceUnavailable, match="no playable entry"):
        station_from_stream(httpserver.url_for("/p.m3u"), None, http.fetch_head)
    with pytest.raises(SourceUnavailable, match="connection refused"):
        station_from_stream("http://127.0.0.1:9/x.mp3", None, http.fetch_head)
    with pytest.raises(BadInput, match='stream URL "file:///etc/passwd"'):
        station_from_stream("file:///etc/passwd", None, http.fetch_head)


def test_a_station_from_its_website_gets_streams_guide_news_and_support(httpserver, http):
    httpserver.expect_request("/").respond_with_data(grove_page(httpserver), content_type=HTML)
    home = httpserver.url_for("/")
    station = station_from_homepage(http, home)
    assert (station.id, station.name, station.homepage) == ("kcur", "KCUR 89.3", home)
    assert [s.url for s in station.streams] == [httpserver.url_for("/live.mp3")]
    assert (station.schedule.source, station.schedule.ucs) == ("composer", KCUR_UCS)
    assert station.news_feed == httpserver.url_for("/news.rss")
    assert station.support == httpserver.url_for("/donate")


def test_a_website_without_a_stream_or_that_is_no_web_page(httpserver, http) -> None:
    httpserver.expect_request("/none").respond_with_data(grove_page(httpserver, streams=()),
                                                         content_type=HTML)
    with pytest.raises(SourceUnavailable, match="no live stream found on the page"):
        station_from_homepage(http, httpserver.url_for("/none"))
    httpserver.expect_request("/a.mp3").respond_with_data(MP3, content_type="audio/mpeg")
    with pytest.raises(SourceUnavailable, match="answered audio/mpeg, not a web page"):
        station_from_homepage(http, httpserver.url_for("/a.mp3"))
    with pytest.raises(BadInput, match='homepage URL "javascript:x"'):
        station_from_homepage(http, "javascript:x")


def test_a_directory_record_becomes_a_station_with_its_uuid() -> None:
    record = parse_record(demo_records("http://127.0.0.1:8000")[0])
    assert record is not None and record.id == TONE_A_UUID
    station = station_from_directory(record)
    assert (station.id, station.name) == ("kcur-89-3-tone-a", "KCUR 89.3 Tone A")
    assert [(s.url, s.format, s.bitrate) for s in station.streams] == [
        ("http://127.0.0.1:8000/a.mp3", "mp3", 64)]
    assert station.homepage == "https://www.kcur.org/"
    assert station.tagline == "npr, public radio, news, kansas city"
    assert station.city == "Missouri, US"
    assert station.directory_uuid == TONE_A_UUID
    assert (station.schedule, station.news_feed, station.support) == (None, None, None)


def test_odd_directory_records() -> None:
    huge = parse_record(station_record(TONE_A_UUID, "N" * 5000, "https://a.example/x",
                                       bitrate="abc", codec="AAC+", hls=1, countrycode="",
                                       homepage="javascript:alert(1)"))
    station = station_from_directory(huge)
    assert len(station.name) == 80 and station.homepage is None and station.city == ""
    assert [(s.format, s.bitrate) for s in station.streams] == [("hls", None)]
    fast = parse_record(station_record(TONE_A_UUID, "F", "https://a.example/x", bitrate=50_000,
                                       codec="weird"))
    assert [(s.format, s.bitrate) for s in station_from_directory(fast).streams] == [
        (None, None)]


def test_enrich_from_the_homepage_fills_only_what_is_missing(httpserver, http) -> None:
    httpserver.expect_request("/").respond_with_data(grove_page(httpserver), content_type=HTML)
    record = parse_record(station_record(TONE_A_UUID, "KCUR", "https://a.example/x",
                                         homepage=httpserver.url_for("/")))
    station = enrich_from_homepage(http, station_from_directory(record))
    assert station.schedule.ucs == KCUR_UCS
    assert station.news_feed == httpserver.url_for("/news.rss")
    assert station.support == httpserver.url_for("/donate")
    assert [s.url for s in station.streams] == ["https://a.example/x"]  # the directory's
    again = enrich_from_homepage(http, replace(station, support="https://x.example/"))
    assert again.support == "https://x.example/"
    bare = station_from_directory(parse_record(station_record(TONE_A_UUID, "K", "https://a/")))
    assert enrich_from_homepage(http, bare) == bare  # no homepage: nothing to ask
    gone = station_from_directory(parse_record(station_record(
        TONE_A_UUID, "K", "https://a/", homepage="http://127.0.0.1:9/")))
    with pytest.raises(SourceUnavailable, match="K website: connection refused"):
        enrich_from_homepage(http, gone)
