"""NPR News Now feed to the latest newscast."""

from datetime import UTC, datetime, timedelta

import pytest

from infra.errors import SourceUnavailable
from news.newscast import parse_duration, parse_newscast
from tests.support.feeds import newscast_item, newscast_rss

SRC = "NPR News Now feed"
T = datetime(2024, 7, 23, 8, 10, tzinfo=UTC)


def test_latest_item_by_published_time_not_feed_order() -> None:
    data = newscast_rss([
        newscast_item(T - timedelta(hours=1), "https://play.podtrac.com/npr-500005/old.mp3"),
        newscast_item(T, "https://play.podtrac.com/npr-500005/new.mp3", duration="4:47"),
        newscast_item(T - timedelta(hours=2), "https://play.podtrac.com/npr-500005/older.mp3"),
    ])
    cast = parse_newscast(data, SRC)
    assert cast is not None
    assert cast.title == "NPR News: 07-23-2024 3AM EST"
    assert cast.published == T
    assert cast.audio_url == "https://play.podtrac.com/npr-500005/new.mp3"
    assert cast.duration_s == 287
    assert cast.to_json() == {"title": "NPR News: 07-23-2024 3AM EST",
                              "published": "2024-07-23T08:10:00+00:00",
                              "audio_url": "https://play.podtrac.com/npr-500005/new.mp3",
                              "duration_s": 287.0}


def test_items_without_http_audio_are_skipped() -> None:
    data = newscast_rss([
        newscast_item(T, "file:///etc/passwd"),
        newscast_item(T + timedelta(hours=1), "https://e.org/cover.jpg", audio_type="image/jpeg"),
        newscast_item(T - timedelta(hours=1), "https://e.org/ok.mp3"),
    ])
    cast = parse_newscast(data, SRC)
    assert cast is not None and cast.audio_url == "https://e.org/ok.mp3"


def test_no_usable_item_is_none_and_garbage_is_source_unavailable() -> None:
    assert parse_newscast(newscast_rss([]), SRC) is None
    with pytest.raises(SourceUnavailable, match="^NPR News Now feed: not an RSS feed"):
        parse_newscast(b"<html><body>Gateway Timeout</body></html>", SRC)


@pytest.mark.parametrize(("text", "seconds"), [
    ("287", 287), ("4:47", 287), ("00:04:47", 287), ("1:00:00", 3600), ("287.5", 287.5),
    ("", None), ("abc", None), ("4:75", None), ("-5", None), ("1:2:3:4", None), ("nan", None),
    ("0", None), ("99999999", None),
])
def test_itunes_duration_forms(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_missing_duration_is_none() -> None:
    data = newscast_rss([newscast_item(T, "https://e.org/a.mp3")]).replace(
        b"<itunes:duration>4:47</itunes:duration>", b"")
    cast = parse_newscast(data, SRC)
    assert cast is not None and cast.duration_s is None
