"""NewsController against a loopback server, driven by the Kivy clock (no window needed)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from kivy.clock import Clock

from infra.tasks import TaskRunner
from news.controller import NewsController
from tests.news.conftest import make_station
from tests.support.feeds import newscast_item, newscast_rss, station_rss, tiny_png
from tests.support.tasks import task_runner
from tests.support.wait import wait_until

RSS = "application/rss+xml"
STORIES = [{"title": f"Story {i}", "link": f"https://www.kcur.org/{i}",
            "published": datetime(2024, 7, 23, 10 + i, tzinfo=UTC)} for i in range(3)]


def wait_for(cond: Callable[[], bool], timeout: float = 8.0) -> None:
    wait_until(cond, timeout, step=Clock.tick)


@pytest.fixture
def news(http, tmp_path):
    controller = NewsController(http, tmp_path / "cache", tasks=task_runner())
    yield controller
    controller.shutdown()


def test_loads_stories_for_the_station(httpserver, news) -> None:
    httpserver.expect_request("/news.rss").respond_with_data(station_rss(STORIES),
                                                            content_type=RSS)
    news.set_station(make_station(httpserver.url_for("/news.rss")))
    assert news.status == "loading"
    wait_for(lambda: news.status != "loading")
    assert news.status == "ok" and news.message == ""
    assert [s.title for s in news.stories] == ["Story 2", "Story 1", "Story 0"]
    assert news.fetched_at is not None


def test_empty_feed_is_ok_with_a_no_stories_message(httpserver, news) -> None:
    httpserver.expect_request("/news.rss").respond_with_data(station_rss([]), content_type=RSS)
    news.set_station(make_station(httpserver.url_for("/news.rss")))
    wait_for(lambda: news.status != "loading")
    assert news.status == "ok" and news.stories == []
    assert news.message == "No stories in the KCUR 89.3 news feed right now."


def test_station_without_feed_is_status_none(news) -> None:
    news.set_station(make_station(None))
    assert news.status == "none" and news.message == "KCUR 89.3 has no news feed."
    news.set_station(None)
    assert news.status == "idle"


def test_broken_source_is_unavailable_with_the_reason(httpserver, news) -> None:
    httpserver.expect_request("/news.rss").respond_with_data("down", status=500)
    news.set_station(make_station(httpserver.url_for("/news.rss")))
    wait_for(lambda: news.status != "loading")
    assert news.status == "unavailable"
    assert news.message.startswith("News unavailable: KCUR 89.3 news feed: HTTP 500")


def test_stale_copy_is_shown_with_its_time(httpserver, news) -> None:
    url = httpserver.url_for("/news.rss")
    httpserver.expect_request("/news.rss").respond_with_data(
        station_rss(STORIES), content_type=RSS, headers={"Cache-Control": "max-age=0"})
    news.set_station(make_station(url))
    wait_for(lambda: news.status == "ok")
    httpserver.clear()
    httpserver.expect_request("/news.rss").respond_with_data("<html>oops</html>",
                                                            content_type="text/html")
    news.refresh()
    wait_for(lambda: news.status != "loading")
    assert news.status == "stale" and len(news.stories) == 3
    shown = news.fetched_at.astimezone().strftime("%I:%M %p").lstrip("0")
    assert news.message == f"News unavailable: KCUR 89.3 news feed (showing {shown} copy)"


class GatedHttp:
    """The real client, but requests for "/slow" URLs wait until `release` is set."""

    def __init__(self, http) -> None:
        self.http, self.release = http, threading.Event()

    def get(self, url: str, **kw):
        if "/slow" in url:
            self.release.wait(5)
        return self.http.get(url, **kw)


def test_answer_for_a_previous_station_is_dropped(httpserver, http, tmp_path) -> None:
    httpserver.expect_request("/slow.rss").respond_with_data(
        station_rss([{"title": "Old station story"}]), content_type=RSS)
    httpserver.expect_request("/fast.rss").respond_with_data(
        station_rss([{"title": "New station story"}]), content_type=RSS)
    gated = GatedHttp(http)
    news = NewsController(gated, tmp_path / "news", tasks=task_runner())
    # the same slow answer, still wanted
    witness = NewsController(gated, tmp_path / "witness", tasks=task_runner())
    slow_station = make_station(httpserver.url_for("/slow.rss"), id="a", name="A")
    news.set_station(slow_station)
    witness.set_station(slow_station)
    news.set_station(make_station(httpserver.url_for("/fast.rss"), id="b", name="B"))
    wait_for(lambda: news.status == "ok")
    gated.release.set()
    wait_for(lambda: witness.status == "ok")
    Clock.tick()
    assert [s.title for s in witness.stories] == ["Old station story"]
    assert [s.title for s in news.stories] == ["New station story"]
    assert news.station.id == "b"
    news.shutdown()
    witness.shutdown()


def test_newscast_loads_and_failure_sets_a_message(httpserver, news) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    httpserver.expect_request("/podcast.xml").respond_with_data(
        newscast_rss([newscast_item(now, "https://e.org/n.mp3")]), content_type="text/xml")
    news.start_newscast(httpserver.url_for("/podcast.xml"))
    wait_for(lambda: news.newscast is not None)
    assert news.newscast.audio_url == "https://e.org/n.mp3" and news.newscast_message == ""
    news.start_newscast(httpserver.url_for("/missing.xml"))  # another feed: no copy to keep
    wait_for(lambda: news.newscast_message != "")
    assert news.newscast is None
    assert news.newscast_message.startswith("Newscast unavailable: NPR News Now feed: HTTP")


def test_fetch_image_calls_back_on_the_kivy_thread(httpserver, news) -> None:
    httpserver.expect_request("/i.png").respond_with_data(tiny_png(), content_type="image/png")
    got: list[tuple[str | None, bool]] = []
    kivy_thread = threading.current_thread()
    news.fetch_image(httpserver.url_for("/i.png"),
                     lambda p, _img: got.append((p, threading.current_thread() is kivy_thread)))
    news.fetch_image("javascript:alert(1)",
                     lambda p, _img: got.append((p, threading.current_thread() is kivy_thread)))
    wait_for(lambda: len(got) == 2)
    paths = sorted(got, key=lambda g: g[0] is None)
    assert paths[0][0] is not None and paths[0][0].endswith(".png") and paths[0][1]
    assert paths[1] == (None, True)


def test_nothing_is_delivered_after_shutdown(httpserver, http, tmp_path) -> None:
    httpserver.expect_request("/news.rss").respond_with_data(station_rss(STORIES),
                                                            content_type=RSS)
    one_lane = TaskRunner(interactive_workers=1)
    news = NewsController(http, tmp_path / "news", tasks=one_lane)
    station = make_station(httpserver.url_for("/news.rss"))
    news.set_station(station)
    news.shutdown()
    # one worker: the witness's fetch runs after the shut-down controller's, if that one ran
    witness = NewsController(http, tmp_path / "witness", tasks=one_lane)
    witness.set_station(station)
    wait_for(lambda: witness.status == "ok")
    Clock.tick()
    assert news.stories == [] and news.status == "loading"
    witness.shutdown()
