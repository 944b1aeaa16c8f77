"""Fetching news through the one HTTP layer: station stories, the newscast, story images.

Story images are infra.images.fetch_image (re-exported here for the CLI and the bench).

Blocking; the controller runs these off the Kivy thread, the CLI calls them directly.
An answer that is not a feed is refused inside the HTTP layer, so it never replaces a
good cached copy and the stale copy is served instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from infra.errors import BadInput, SourceUnavailable
from infra.http import Fetched, HttpClient
from infra.images import MAX_IMAGE_BYTES as MAX_IMAGE_BYTES
from infra.images import fetch_image as fetch_image
from infra.images import image_kind as image_kind
from infra.urls import one_line
from news.feeds import MAX_STORIES, parse_station_feed, read_feed
from news.model import Newscast, Story
from news.newscast import parse_newscast
from player.stations import Station

NEWSCAST_SOURCE = "NPR News Now feed"
NEWSCAST_MAX_AGE = timedelta(minutes=45)  # the audio link expires after about an hour
_XMLISH = ("xml", "rss", "atom", "text/html", "text/plain", "octet-stream")


def feed_check(content: bytes, content_type: str) -> None:
    """The HTTP layer's check for a 200 answer: ValueError(why) unless it is a feed."""
    try:
        read_feed(content, "feed")
    except SourceUnavailable as err:
        why = str(err).removeprefix("feed: ")
        ctype = content_type.split(";")[0].strip().lower()
        if ctype and not any(k in ctype for k in _XMLISH):
            why = f"{why}; answered {one_line(ctype, 40)}"
        raise ValueError(why) from None


def news_source(station: Station) -> str:
    return f"{station.name} news feed"


@dataclass(frozen=True)
class StoriesResult:
    stories: list[Story]
    stale: bool
    fetched_at: datetime  # aware UTC
    problem: str | None  # why a stale copy is served


def fetch_stories(http: HttpClient, station: Station, *,
                  max_stories: int = MAX_STORIES) -> StoriesResult:
    """The station's stories; BadInput when it has no feed, SourceUnavailable when down."""
    if not station.news_feed:
        raise BadInput(f'station "{station.id}" ({station.name}) has no news feed')
    source = news_source(station)
    fetched: Fetched = http.get(station.news_feed, source=source, check=feed_check)
    stories = parse_station_feed(fetched.content, source, max_stories=max_stories)
    return StoriesResult(stories, fetched.stale, fetched.fetched_at,
                         getattr(fetched, "problem", None))


def fetch_newscast(http: HttpClient, feed_url: str, *, now: datetime | None = None,
                   revalidate: bool = False) -> Newscast:
    """The latest newscast. A stale copy is used only while its audio link can still work.

    `revalidate`: ask the feed even while the cached copy is fresh (a new one is due)."""
    fetched = http.get(feed_url, source=NEWSCAST_SOURCE, check=feed_check,
                       revalidate=revalidate)
    if fetched.stale and (now or datetime.now(UTC)) - fetched.fetched_at > NEWSCAST_MAX_AGE:
        problem = getattr(fetched, "problem", None) or f"could not fetch ({one_line(feed_url)})"
        raise SourceUnavailable(f"{NEWSCAST_SOURCE}: {problem}")
    newscast = parse_newscast(fetched.content, NEWSCAST_SOURCE)
    if newscast is None:
        raise SourceUnavailable(
            f"{NEWSCAST_SOURCE}: no newscast with an audio link ({one_line(feed_url)})")
    return newscast
