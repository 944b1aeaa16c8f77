"""The news panel in a real window: stories from a local feed, selection, the newscast row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from player.stations import Station
from tests.support.feeds import demo_stories, newscast_item, newscast_rss, station_rss
from tests.support.tasks import task_runner
from tests.ui.conftest import screenshot, wait_until
from ui.markup import escape

pytestmark = pytest.mark.gui
TRAP = "[color=ff0000]x[/color] & [b]bold[/b] claims"
NOW = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)


def station(feed: str | None) -> Station:
    return Station(id="kcur", name="KCUR 89.3", tagline="NPR in Kansas City",
                   city="Kansas City, MO", timezone="America/Chicago", homepage=None, logo=None,
                   streams=(), schedule=None, news_feed=feed)


@pytest.fixture
def services(tmp_path):
    from infra.http import HttpClient
    from news.controller import NewsController
    from player.controller import PlayerController
    from player.fake_backend import FakeBackend

    http = HttpClient(cache_dir=tmp_path / "http")
    news = NewsController(http, tmp_path / "cache", tasks=task_runner())
    backend = FakeBackend()
    player = PlayerController(backend, tasks=task_runner())
    yield news, player, backend
    news.shutdown()
    player.shutdown()
    http.close()


@pytest.fixture
def feeds(httpserver):
    stories = demo_stories(httpserver.url_for("/kcur"), NOW)
    stories[1]["title"] = TRAP
    httpserver.expect_request("/news.rss").respond_with_data(
        station_rss(stories), content_type="application/rss+xml")
    cast = newscast_item(NOW - timedelta(minutes=54), httpserver.url_for("/news-now.mp3"))
    httpserver.expect_request("/newscast.xml").respond_with_data(
        newscast_rss([cast]), content_type="application/rss+xml")
    return stories, cast


@pytest.fixture
def panel(services, feeds, httpserver, show):
    from ui.news_panel import NewsPanel

    news, player, _ = services
    widget = NewsPanel(news, player, clock=lambda: NOW)
    news.set_station(station(httpserver.url_for("/news.rss")))
    news.start_newscast(httpserver.url_for("/newscast.xml"))
    show(widget)
    wait_until(lambda: len(widget.ids.stories.data) == 6 and widget.newscast_title, 10,
               "stories and newscast")
    yield widget
    widget.stop()


def shown_rows(panel) -> dict[int, object]:
    return {row.index: row for row in panel.ids.rows.children}


def click(widget) -> None:
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


def test_lists_stories_with_byline_and_time_ago(panel, feeds, window) -> None:
    stories, _ = feeds
    first = panel.ids.stories.data[0]
    assert first["title_text"] == stories[0]["title"]
    assert first["meta_text"] == "By Celisa Calacal · 2 h ago"
    assert panel.ids.stories.data[3]["meta_text"] == (
        "By Luke Martin, Mackenzie Martin and Gabe Rosenberg · 8 h ago")
    wait_until(lambda: 0 in shown_rows(panel), 5, "the first row drawn")
    assert shown_rows(panel)[0].ids.title.text == stories[0]["title"]
    assert panel.heading_text == "News from KCUR 89.3"
    screenshot(window, "news-panel")


def test_story_title_markup_is_shown_literally(panel) -> None:
    wait_until(lambda: 1 in shown_rows(panel), 5, "the second row drawn")
    label = shown_rows(panel)[1].ids.title
    assert label.markup and label.text == escape(TRAP)
    label.texture_update()
    words = [w for line in label._label._cached_lines for w in line.words]
    assert "".join(w.text for w in words) == TRAP
    assert {tuple(w.options["color"]) for w in words} == {tuple(label.color)}


def test_clicking_a_story_dispatches_on_story_and_highlights_it(panel, services) -> None:
    news = services[0]
    picked = []
    panel.bind(on_story=lambda _w, story: picked.append(story))
    wait_until(lambda: 2 in shown_rows(panel), 5, "the third row drawn")
    click(shown_rows(panel)[2])
    assert picked == [news.stories[2]]
    assert panel.selected_index == 2
    assert [row["selected"] for row in panel.ids.stories.data] == [
        False, False, True, False, False, False]
    wait_until(lambda: shown_rows(panel)[2].selected, 5, "the row highlighted")


def test_select_next_walks_the_stories_and_wraps(panel, services, window) -> None:
    news = services[0]
    picked = []
    panel.bind(on_story=lambda _w, story: picked.append(story))
    window.size = (500, 360)  # fewer rows than stories: selection must scroll
    wait_until(lambda: panel.ids.stories.height < 6 * panel.ids.rows.default_size[1], 5,
               "a list shorter than its rows")
    for _ in range(6):
        panel.select_next()
    assert picked == list(news.stories)
    assert panel.ids.stories.scroll_y == pytest.approx(0)
    wait_until(lambda: 5 in shown_rows(panel), 5, "the last row scrolled into view")
    panel.select_next()
    assert panel.selected_index == 0 and picked[-1] is news.stories[0]
    assert panel.ids.stories.scroll_y == pytest.approx(1)


def test_newscast_row_plays_on_demand(panel, services, feeds, window) -> None:
    _, player, backend = services
    _, cast = feeds
    assert panel.ids.newscast_title.text == escape(cast["title"])
    assert panel.ids.newscast_meta.text.endswith(" · 4:47")
    assert panel.ids.newscast_play.text == "Play"
    click(panel.ids.newscast_play)
    assert player.mode == "ondemand" and player.now_playing == cast["title"]
    wait_until(lambda: backend.opened and player.state == "playing", 5, "newscast playing")
    assert backend.opened[-1] == cast["audio_url"]
    assert panel.ids.newscast_play.text == "Playing"
    screenshot(window, "news-panel-newscast-playing")


def test_feed_failure_is_shown(services, httpserver, show) -> None:
    from ui.news_panel import NewsPanel

    news, player, _ = services
    httpserver.expect_request("/news.rss").respond_with_data("down", status=503)
    panel = show(NewsPanel(news, player, clock=lambda: NOW))
    news.set_station(station(httpserver.url_for("/news.rss")))
    wait_until(lambda: news.status == "unavailable", 15, "the feed failure")
    assert panel.ids.message.text.startswith("News unavailable: ")
    assert panel.ids.stories.data == []
    assert panel.ids.newscast_play.disabled
    assert panel.ids.newscast_row.height == 0  # no newscast feed configured: no row
    panel.stop()


def test_newscast_failure_is_shown_in_its_row(services, httpserver, show) -> None:
    from ui.news_panel import NewsPanel

    news, player, _ = services
    httpserver.expect_request("/newscast.xml").respond_with_data("down", status=503)
    panel = show(NewsPanel(news, player))
    assert panel.ids.newscast_row.height == 0  # no feed yet: no row
    news.start_newscast(httpserver.url_for("/newscast.xml"))
    assert panel.ids.newscast_title.text == "Loading…"
    wait_until(lambda: panel.ids.newscast_title.text != "Loading…", 15, "the newscast failure")
    assert panel.ids.newscast_title.text.startswith("Newscast unavailable: ")
    assert panel.ids.newscast_meta.text == ""
    assert panel.ids.newscast_play.disabled and panel.ids.newscast_row.height > 0
    panel.stop()
