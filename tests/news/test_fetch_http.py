"""Stories, newscast and images through the real HTTP layer against a loopback server."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug import Response

from infra import images
from infra.errors import BadInput, SourceUnavailable
from news import fetch
from tests.news.conftest import make_station
from tests.support.feeds import (
    newscast_item,
    newscast_rss,
    station_rss,
    tiny_png,
)
from tests.support.metadata_server import big_body, silent_server

RSS = "application/rss+xml; charset=utf-8"
STORY = {"title": "Council approves streetcar money", "link": "https://www.kcur.org/news/a",
         "description": "<p>Teaser</p>", "content": "<p>Body</p>",
         "published": datetime(2024, 7, 23, 14, 5, tzinfo=UTC), "creators": ["A", "B"]}


def serve(httpserver, body: bytes, *, status: int = 200, content_type: str = RSS,
          headers: dict | None = None) -> str:
    httpserver.expect_request("/news.rss").respond_with_data(
        body, status=status, content_type=content_type, headers=headers or {})
    return httpserver.url_for("/news.rss")


def test_stories_from_a_served_feed(httpserver, http) -> None:
    result = fetch.fetch_stories(http, make_station(serve(httpserver, station_rss([STORY]))))
    assert not result.stale
    assert [s.title for s in result.stories] == ["Council approves streetcar money"]
    assert result.stories[0].byline == "By A and B"


def test_feed_with_no_items_is_an_empty_list(httpserver, http) -> None:
    result = fetch.fetch_stories(http, make_station(serve(httpserver, station_rss([]))))
    assert result.stories == [] and not result.stale


def test_scripts_and_kivy_markup_arrive_as_plain_text(httpserver, http) -> None:
    hostile = {"title": "[b]Hi[/b] <script>x()</script>[ref=x]r[/ref]",
               "content": "<p>[color=ff0000]red[/color]</p><script>document.write(1)</script>",
               "link": "https://www.kcur.org/n"}
    story = fetch.fetch_stories(http, make_station(serve(httpserver, station_rss([hostile])))
                                ).stories[0]
    assert story.title == "[b]Hi[/b] [ref=x]r[/ref]"
    assert story.body == ("[color=ff0000]red[/color]",)


@pytest.mark.parametrize(("body", "ctype", "why"), [
    (b"<!DOCTYPE html><html><body><h1>Oops, page not found</h1></body></html>",
     "text/html", "not an RSS feed"),
    (station_rss([STORY])[:150], RSS, "not an RSS feed"),
    (b'{"error": "maintenance"}', "application/json", "answered application/json"),
    (b"", RSS, "not an RSS feed (empty body)"),
])
def test_unusable_answers_are_source_unavailable(httpserver, http, body, ctype, why) -> None:
    station = make_station(serve(httpserver, body, content_type=ctype))
    with pytest.raises(SourceUnavailable) as err:
        fetch.fetch_stories(http, station)
    assert str(err.value).startswith("KCUR 89.3 news feed: ")
    assert why in str(err.value)


@pytest.mark.parametrize("status", [500, 404])
def test_http_errors_name_the_feed(httpserver, http, status) -> None:
    station = make_station(serve(httpserver, b"nope", status=status, content_type="text/plain"))
    with pytest.raises(SourceUnavailable, match=rf"^KCUR 89\.3 news feed: HTTP {status}"):
        fetch.fetch_stories(http, station)


def test_valid_feed_with_a_wrong_content_type_is_still_read(httpserver, http) -> None:
    url = serve(httpserver, station_rss([STORY]), content_type="text/html")
    assert len(fetch.fetch_stories(http, make_station(url)).stories) == 1


def test_fifty_megabyte_body_is_cut_off(httpserver, http) -> None:
    httpserver.expect_request("/news.rss").respond_with_response(
        Response(big_body(50_000_000), content_type=RSS))
    started = time.monotonic()
    with pytest.raises(SourceUnavailable, match="answered more than 5 MB"):
        fetch.fetch_stories(http, make_station(httpserver.url_for("/news.rss")))
    assert time.monotonic() - started < 10


def test_server_that_never_answers_times_out(http) -> None:
    with silent_server() as base:
        started = time.monotonic()
        with pytest.raises(SourceUnavailable, match=r"^KCUR 89\.3 news feed: timed out"):
            fetch.fetch_stories(http, make_station(base + "/news.rss"))
        assert time.monotonic() - started < 6


def test_stale_copy_is_served_when_the_source_breaks(httpserver, http) -> None:
    url = serve(httpserver, station_rss([STORY]), headers={"Cache-Control": "max-age=0"})
    first = fetch.fetch_stories(http, make_station(url))
    httpserver.clear()
    serve(httpserver, b"<html>502 Bad Gateway</html>", content_type="text/html")
    again = fetch.fetch_stories(http, make_station(url))
    assert again.stale and again.problem and "not an RSS feed" in again.problem
    assert [s.title for s in again.stories] == [s.title for s in first.stories]
    assert abs(again.fetched_at - first.fetched_at) < timedelta(seconds=5)


def test_station_without_feed_is_bad_input(http) -> None:
    with pytest.raises(BadInput, match='station "kcur" .KCUR 89.3. has no news feed'):
        fetch.fetch_stories(http, make_station(None))


def test_newscast_through_http(httpserver, http) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    httpserver.expect_request("/podcast.xml").respond_with_data(
        newscast_rss([newscast_item(now, "https://e.org/news.mp3")]),
        content_type="text/xml")
    cast = fetch.fetch_newscast(http, httpserver.url_for("/podcast.xml"))
    assert (cast.audio_url, cast.published, cast.duration_s) == ("https://e.org/news.mp3",
                                                                 now, 287)


def test_old_stale_newscast_is_refused_because_its_link_expired(httpserver, http) -> None:
    url = httpserver.url_for("/podcast.xml")
    httpserver.expect_request("/podcast.xml").respond_with_data(
        newscast_rss([newscast_item(datetime.now(UTC), "https://e.org/n.mp3")]),
        content_type="text/xml", headers={"Cache-Control": "max-age=0"})
    fetch.fetch_newscast(http, url)
    httpserver.clear()
    httpserver.expect_request("/podcast.xml").respond_with_data("down", status=503)
    assert fetch.fetch_newscast(http, url).audio_url == "https://e.org/n.mp3"  # fresh enough
    later = datetime.now(UTC) + timedelta(hours=1)
    with pytest.raises(SourceUnavailable, match="^NPR News Now feed: HTTP 503"):
        fetch.fetch_newscast(http, url, now=later)


def test_image_is_saved_by_url_hash_and_reused(httpserver, http, tmp_path) -> None:
    httpserver.expect_request("/i.png").respond_with_data(tiny_png(), content_type="image/png")
    url = httpserver.url_for("/i.png")
    path = images.fetch_image(http, url, tmp_path / "img")
    assert path is not None and path.suffix == ".png" and path.read_bytes() == tiny_png()
    assert images.fetch_image(http, url, tmp_path / "img") == path
    assert len([r for r, _ in httpserver.log if r.path == "/i.png"]) == 1


@pytest.mark.parametrize("case", ["html", "big", "404", "scheme"])
def test_image_failures_give_none(httpserver, http, tmp_path, case) -> None:
    if case == "html":
        httpserver.expect_request("/i").respond_with_data("<html>", content_type="image/png")
    elif case == "big":
        httpserver.expect_request("/i").respond_with_response(
            Response(big_body(50_000_000), content_type="image/jpeg"))
    elif case == "404":
        httpserver.expect_request("/i").respond_with_data("no", status=404)
    url = "file:///etc/passwd" if case == "scheme" else httpserver.url_for("/i")
    assert images.fetch_image(http, url, tmp_path / "img") is None
    assert not (tmp_path / "img").exists() or not any((tmp_path / "img").iterdir())
