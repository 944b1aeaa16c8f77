"""The hourly newscast (NPR News Now podcast feed): the latest item with its audio.

The audio URL is a redirect chain that expires within about an hour: stream it
now, never store it.
"""

from __future__ import annotations

import math
from typing import Any

from infra.html_text import plain
from news.feeds import read_feed, web_url, when
from news.model import Newscast

MAX_DURATION_S = 24 * 3600


def parse_duration(text: object) -> float | None:
    """Seconds from itunes:duration ("SS", "MM:SS", "HH:MM:SS"); None when unreadable."""
    if not isinstance(text, str) or not text.strip():
        return None
    parts = text.strip().split(":")
    if len(parts) > 3:
        return None
    try:
        values = [float(p) for p in parts]
    except ValueError:
        return None
    if any(not math.isfinite(v) or v < 0 for v in values):
        return None
    if any(v >= 60 for v in values[1:]):
        return None
    seconds = 0.0
    for value in values:
        seconds = seconds * 60 + value
    return seconds if 0 < seconds <= MAX_DURATION_S else None


def _audio_url(entry: Any) -> str:
    for enclosure in entry.get("enclosures") or []:
        if str(enclosure.get("type", "")).lower().startswith("audio/"):
            url = web_url(enclosure.get("href"))
            if url:
                return url
    return ""


def parse_newscast(data: bytes, source: str) -> Newscast | None:
    """The latest newscast (by published time) that has an http(s) audio enclosure, or None.

    SourceUnavailable naming `source` when `data` is not a feed.
    """
    parsed = read_feed(data, source)
    best: Newscast | None = None
    for entry in parsed.get("entries") or []:
        audio = _audio_url(entry)
        if not audio:
            continue
        cast = Newscast(
            title=plain(str(entry.get("title") or "")) or "Newscast",
            published=when(entry.get("published_parsed")),
            audio_url=audio,
            duration_s=parse_duration(entry.get("itunes_duration")),
        )
        if best is None or _later(cast, best):
            best = cast
    return best


def _later(a: Newscast, b: Newscast) -> bool:
    if a.published is None:
        return False
    return b.published is None or a.published > b.published
