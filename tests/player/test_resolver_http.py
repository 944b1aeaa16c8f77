"""Stream resolution against a real HTTP server on loopback, through a small real fetcher."""

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug import Response

from infra.errors import SourceUnavailable
from infra.http_types import FetchedHead
from player.resolver import resolve_stream, stream_candidates
from player.stations import Station, Stream
from tests.support.realworld import STATION_WEB_PAGE, shoutcast_pls

WEB_PAGE = "no playable stream: the server sent a web page"


def fetch(url: str, max_bytes: int = 65536) -> FetchedHead:
    """What the HTTP layer's fetch_head does: follow a few redirects, read only the head."""
    session = requests.Session()
    session.max_redirects = 5
    try:
        with session.get(url, stream=True, timeout=(2, 5)) as answer:
            answer.raise_for_status()
            head = answer.raw.read(max_bytes, decode_content=True)
            return FetchedHead(answer.url, answer.headers.get("Content-Type", ""), head)
    except requests.RequestException as err:
        raise SourceUnavailable(f"{url}: {type(err).__name__}") from None
    finally:
        session.close()


def test_pls_from_a_server_keeps_every_mirror_in_order(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/listen.pls").respond_with_data(
        "[playlist]\r\nNumberOfEntries=2\r\nFile1=http://127.0.0.1:9/dead\r\n"
        "Title1=Main\r\nFile2=http://127.0.0.1:9/alive.mp3\r\nVersion=2\r\n",
        content_type="audio/x-scpls")
    assert resolve_stream(httpserver.url_for("/listen.pls"), fetch) == [
        "http://127.0.0.1:9/dead", "http://127.0.0.1:9/alive.mp3"]


def test_m3u_relative_entries_resolve_against_the_server(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/radio/list.m3u").respond_with_data(
        "#EXTM3U\n#EXTINF:-1,Test\nlive.aac\n/other/backup.mp3\n",
        content_type="audio/x-mpegurl")
    assert resolve_stream(httpserver.url_for("/radio/list.m3u"), fetch) == [
        httpserver.url_for("/radio/live.aac"), httpserver.url_for("/other/backup.mp3")]


def test_redirected_playlist_is_followed(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/tune.pls").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/edge/real.pls")}))
    httpserver.expect_request("/edge/real.pls").respond_with_data(
        "[playlist]\nFile1=stream.mp3\n", content_type="audio/x-scpls")
    assert resolve_stream(httpserver.url_for("/tune.pls"), fetch) == [
        httpserver.url_for("/edge/stream.mp3")]


def test_redirect_loop_is_a_source_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/loop.pls").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/loop.pls")}))
    with pytest.raises(SourceUnavailable, match="loop.pls: TooManyRedirects"):
        resolve_stream(httpserver.url_for("/loop.pls"), fetch)


def test_a_dead_mirror_does_not_stop_the_next(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone.m3u").respond_with_data("no", status=404)
    httpserver.expect_request("/ok.m3u").respond_with_data(
        "http://127.0.0.1:9/live.mp3\n", content_type="audio/mpegurl")
    station = Station(id="t", name="T", tagline="", city="", timezone="UTC", homepage=None,
                      logo=None, schedule=None, news_feed=None,
                      streams=(Stream(httpserver.url_for("/gone.m3u")),
                               Stream(httpserver.url_for("/ok.m3u"))))
    assert stream_candidates(station, fetch) == ["http://127.0.0.1:9/live.mp3"]


def test_a_direct_stream_is_never_requested(httpserver: HTTPServer) -> None:
    url = httpserver.url_for("/live.mp3")
    assert resolve_stream(url, fetch) == [url]
    assert httpserver.log == []


@pytest.mark.parametrize("path", ["/listen.m3u", "/listen.pls", "/player/tune.php"])
def test_a_web_page_from_the_server_is_not_a_stream(httpserver: HTTPServer, path: str) -> None:
    httpserver.expect_request(path).respond_with_data(
        STATION_WEB_PAGE, content_type="text/html; charset=UTF-8")
    url = httpserver.url_for(path)
    with pytest.raises(SourceUnavailable) as err:
        resolve_stream(url, fetch)
    assert str(err.value) == f"{url}: {WEB_PAGE}"


def test_a_moved_playlist_that_redirects_to_a_web_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/kcur.m3u").respond_with_response(
        Response(status=301, headers={"Location": httpserver.url_for("/listen-live")}))
    httpserver.expect_request("/listen-live").respond_with_data(
        STATION_WEB_PAGE, content_type="text/html; charset=UTF-8")
    url = httpserver.url_for("/kcur.m3u")
    with pytest.raises(SourceUnavailable, match=f"^{url}: {WEB_PAGE}$"):
        resolve_stream(url, fetch)


def test_a_text_html_answer_without_markup_is_not_audio(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/tune.php").respond_with_data(
        "Stream offline", content_type="text/html")
    with pytest.raises(SourceUnavailable, match=WEB_PAGE):
        resolve_stream(httpserver.url_for("/tune.php"), fetch)


def test_shoutcast_pls_from_a_server(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/sbin/tunein-station.pls").respond_with_data(
        shoutcast_pls("127.0.0.1"), content_type="audio/x-scpls")
    assert resolve_stream(httpserver.url_for("/sbin/tunein-station.pls") + "?id=99", fetch) == [
        "http://127.0.0.1:8000/stream/1/", "http://127.0.0.1:8002",
        "http://127.0.0.1:8010/;stream.nsv"]
