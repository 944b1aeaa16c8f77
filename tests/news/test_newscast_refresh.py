"""The news controller keeps the newscast current against a loopback feed, on a hand-moved
clock: one request at start, none until the due time, 304 revalidations while the feed has
nothing newer (backing off), then the new newscast shown."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from kivy.clock import Clock
from werkzeug import Request, Response

from news.controller import NewsController
from tests.news.conftest import make_station
from tests.support.clock import ManualClock
from tests.support.feeds import newscast_item, newscast_rss, rfc822, station_rss
from tests.support.tasks import task_runner
from tests.support.wait import wait_until

RSS = "application/rss+xml"


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2024, 7, 23, hour, minute, second, tzinfo=UTC)


def wait_for(cond: Callable[[], object], what: str = "condition") -> None:
    wait_until(cond, 8.0, what, step=Clock.tick)


class Feed:
    """The NPR News Now feed: a 200 with ETag, Last-Modified and a long max-age (so only a
    revalidating request reaches it), 304 when the client's validator matches."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.asked: list[tuple[int, str | None, str | None]] = []  # status, INM, IMS

    def publish(self, when: datetime) -> None:
        self.items.insert(0, newscast_item(when, f"https://e.org/{when:%H%M}.mp3"))

    def __call__(self, request: Request) -> Response:
        body = newscast_rss(self.items)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = rfc822(self.items[0]["published"])
        headers = {"ETag": etag, "Last-Modified": modified, "Cache-Control": "max-age=3600"}
        inm, ims = request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since")
        status = 304 if inm == etag else 200
        self.asked.append((status, inm, ims))
        if status == 304:
            return Response(status=304, headers=headers)
        return Response(body, content_type=RSS, headers=headers)


@pytest.fixture
def feed(httpserver) -> Feed:
    feed = Feed()
    feed.publish(at(13, 8))
    feed.publish(at(14, 9))  # the check is learned from it: a minute later, :10 past
    httpserver.expect_request("/podcast.xml").respond_with_handler(feed)
    return feed


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at(14, 30))


@pytest.fixture
def news(http, tmp_path, clock):
    controller = NewsController(http, tmp_path / "cache", tasks=task_runner(), clock=clock)
    yield controller
    controller.shutdown()


def settle(news: NewsController) -> None:
    """Wait for the check running (if any) to land."""
    wait_for(lambda: news.next_newscast_at() is not None, "the newscast check to land")


def tick_at(news: NewsController, clock: ManualClock, moment: datetime) -> None:
    clock.now = moment
    news.tick()
    settle(news)


def test_fetched_at_start_then_revalidated_hourly_with_backoff(httpserver, feed, news,
                                                               clock) -> None:
    news.start_newscast(httpserver.url_for("/podcast.xml"))
    settle(news)
    assert feed.asked == [(200, None, None)]
    assert news.newscast.audio_url == "https://e.org/1409.mp3" and news.newscast_message == ""
    assert news.next_newscast_at() == at(15, 10)

    for moment in (at(14, 45), at(15, 0), at(15, 9, 50)):  # the cache is fresh, and so is it
        tick_at(news, clock, moment)
    assert len(feed.asked) == 1

    tick_at(news, clock, at(15, 10))  # due: a conditional request, although max-age=3600
    status, inm, ims = feed.asked[-1]
    assert status == 304 and inm is not None and ims == rfc822(at(14, 9))
    assert news.newscast.audio_url == "https://e.org/1409.mp3"
    assert news.next_newscast_at() == at(15, 12)  # not this hour's yet: ask again soon

    tick_at(news, clock, at(15, 11, 50))
    assert len(feed.asked) == 2
    tick_at(news, clock, at(15, 12))
    assert feed.asked[-1][0] == 304 and news.next_newscast_at() == at(15, 16)

    feed.publish(at(15, 13))
    tick_at(news, clock, at(15, 15))
    assert len(feed.asked) == 3
    tick_at(news, clock, at(15, 16))
    assert feed.asked[-1][0] == 200 and feed.asked[-1][1] is not None  # asked conditionally
    assert news.newscast.audio_url == "https://e.org/1513.mp3"
    assert news.newscast.published == at(15, 13)
    assert news.next_newscast_at() == at(16, 14)  # learned: a minute after the later 15:13
    tick_at(news, clock, at(16, 13))
    assert len(feed.asked) == 4


def test_the_controllers_own_timer_starts_the_due_check(httpserver, feed, http, tmp_path,
                                                        clock, monkeypatch) -> None:
    monkeypatch.setattr("news.controller.TICK_S", 0.05)  # a faster timer, the same decisions
    news = NewsController(http, tmp_path / "cache", tasks=task_runner(), clock=clock)
    news.start_newscast(httpserver.url_for("/podcast.xml"))
    settle(news)
    clock.now = at(15, 10)
    wait_for(lambda: len(feed.asked) == 2, "the timer's check")
    settle(news)
    assert feed.asked[-1][0] == 304
    news.shutdown()
    clock.now = at(16, 10)
    quiet_until = time.monotonic() + 0.3
    while time.monotonic() < quiet_until:
        Clock.tick()
    assert len(feed.asked) == 2  # shut down: its timer is gone


def test_a_failed_start_is_shown_and_retried_two_minutes_later(httpserver, news,
                                                              clock) -> None:
    feed = Feed()
    feed.publish(at(14, 7))
    httpserver.expect_oneshot_request("/podcast.xml").respond_with_data("down", status=404)
    news.start_newscast(httpserver.url_for("/podcast.xml"))
    settle(news)
    assert news.newscast is None
    assert news.newscast_message.startswith("Newscast unavailable: NPR News Now feed: HTTP 404")
    assert news.next_newscast_at() == at(14, 32)
    httpserver.expect_request("/podcast.xml").respond_with_handler(feed)
    tick_at(news, clock, at(14, 32))
    assert news.newscast is not None and news.newscast_message == ""
    assert news.next_newscast_at() == at(15, 8)  # a minute after the 14:07's time past


def test_a_failed_check_keeps_a_newscast_fetched_recently(httpserver, news, clock) -> None:
    feed = Feed()
    feed.publish(at(14, 7))
    httpserver.expect_oneshot_request("/podcast.xml").respond_with_handler(feed)
    news.start_newscast(httpserver.url_for("/podcast.xml"))
    settle(news)
    httpserver.expect_request("/podcast.xml").respond_with_data("gone", status=404)
    tick_at(news, clock, at(15, 10))  # 40 minutes after it was fetched: its link still works
    assert news.newscast is not None and news.newscast_message == ""
    assert news.next_newscast_at() == at(15, 12)


def test_no_feed_means_no_newscast_requests(httpserver, news, clock) -> None:
    news.start_newscast(None)
    news.start_newscast("")
    clock.now = at(15, 10)
    news.tick()
    Clock.tick()
    assert news.newscast_feed == "" and news.next_newscast_at() is None
    assert httpserver.log == []


def test_stories_are_refreshed_after_two_hours_without_resetting_an_unchanged_list(
        httpserver, news, clock) -> None:
    stories = [{"title": "First", "link": "https://www.kcur.org/1", "published": at(14, 0)}]
    httpserver.expect_request("/news.rss").respond_with_data(
        station_rss(stories), content_type=RSS,
        headers={"ETag": '"s1"', "Cache-Control": "max-age=0"})  # revalidated on use
    news.set_station(make_station(httpserver.url_for("/news.rss")))
    wait_for(lambda: news.status == "ok", "the stories")
    assert news.next_stories_at() == at(16, 30)
    shown = news.stories
    changes: list[object] = []
    news.bind(stories=lambda *_a: changes.append(1))
    clock.now = at(16, 29)
    news.tick()
    assert len(httpserver.log) == 1
    clock.now = at(16, 30)
    news.tick()
    wait_for(lambda: len(httpserver.log) == 2, "the two-hour refresh")
    assert httpserver.log[1][0].headers.get("If-None-Match") == '"s1"'  # the cache revalidates
    wait_for(lambda: news.next_stories_at() is not None, "the refresh to land")
    assert news.stories == shown and changes == [] and news.status == "ok"
    assert news.next_stories_at() == at(20, 30)  # nothing newer: four hours
