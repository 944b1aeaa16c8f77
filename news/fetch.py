"""Fetching news through the one HTTP layer: station stories, the newscast, story images.

Blocking; the controller runs these off the Kivy thread, the CLI calls them directly.
An answer that is not a feed is refused inside the HTTP layer, so it never replaces a
good cached copy and the stale copy is served instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.errors import BadInput, OnAirError, SourceUnavailable
from infra.http import Fetched, HttpClient
from infra.paths import atomic_write_bytes
from infra.urls import one_line
from news.feeds import MAX_STORIES, parse_station_feed, read_feed, web_url
from news.model import Newscast, Story
from news.newscast import parse_newscast
from player.stations import Station

NEWSCAST_SOURCE = "NPR News Now feed"
NEWSCAST_MAX_AGE = timedelta(minutes=45)  # the audio link expires after about an hour
MAX_IMAGE_BYTES = 5_000_000
MAX_CACHED_IMAGES = 200
_XMLISH = ("xml", "rss", "atom", "text/html", "text/plain", "octet-stream")
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"),
                (b"GIF89a", "gif"))


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


def image_kind(data: bytes) -> str | None:
    """File extension for an image Kivy can show (by signature), or None."""
    for magic, ext in _IMAGE_MAGIC:
        if data.startswith(magic):
            return ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def fetch_image(http: HttpClient, url: str, cache_dir: Path, *,
                max_bytes: int = MAX_IMAGE_BYTES) -> Path | None:
    """The story image as a file in `cache_dir` (named by a hash of the URL), or None.

    None for a non-http(s) URL, a failed download, a body over `max_bytes`, or bytes
    that are not a PNG/JPEG/GIF/WebP image. Never raises OnAirError.
    """
    url = web_url(url)
    if not url:
        return None
    digest = hashlib.sha256(url.encode()).hexdigest()[:32]
    for existing in cache_dir.glob(f"{digest}.*"):
        if existing.stat().st_size > 0:
            return existing
    try:
        data = http.get_bytes(url, source="Story image", max_bytes=max_bytes)
    except OnAirError:
        return None
    kind = image_kind(data)
    if kind is None:
        return None
    path = cache_dir / f"{digest}.{kind}"
    try:
        atomic_write_bytes(path, data)
    except OSError:
        return None
    _prune(cache_dir, keep=path)
    return path


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _prune(cache_dir: Path, *, keep: Path) -> None:
    """Keep the newest MAX_CACHED_IMAGES images (other threads' temp files are left alone)."""
    try:
        files = [p for p in cache_dir.iterdir() if not p.name.startswith(".") and p != keep]
        files.sort(key=_mtime, reverse=True)
        for old in files[MAX_CACHED_IMAGES - 1:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass
