"""`onair news STATION` and `onair newscast`: readable text or --json (DESIGN.md shapes)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

from infra.errors import BadInput
from infra.http import HttpClient
from infra.timefmt import day_and_time, duration
from news import fetch
from news.model import Newscast, Story
from player.stations import Catalogue


def _print_json(doc: dict) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2))


def _story_text(story: Story) -> str:
    lines = [story.title or "(untitled)"]
    meta = " · ".join(x for x in (story.byline, day_and_time(story.published)) if x)
    if meta:
        lines.append(meta)
    if story.summary:
        lines.append(story.summary)
    if story.url:
        lines.append(story.url)
    return "\n".join(lines)


def cmd_news(catalogue: Catalogue, http: HttpClient, station_id: str, *, limit: int,
             as_json: bool) -> int:
    """The station's current stories, newest first."""
    if limit < 1:
        raise BadInput(f"--limit {limit}: must be at least 1")
    station = catalogue.get(station_id)
    result = fetch.fetch_stories(http, station, max_stories=limit)
    if result.stale:
        why = f": {result.problem}" if result.problem else ""
        print(f"onair: stale: {fetch.news_source(station)} could not be refreshed{why}; "
              f"showing the copy from {day_and_time(result.fetched_at)}", file=sys.stderr)
    if as_json:
        _print_json({"station": station.id, "stories": [s.to_json() for s in result.stories]})
    elif not result.stories:
        print(f"No stories in the {fetch.news_source(station)} right now.")
    else:
        print(f"{station.name} news\n")
        print("\n\n".join(_story_text(s) for s in result.stories))
    return 0


def cmd_newscast(catalogue: Catalogue, http: HttpClient, *, as_json: bool) -> int:
    """The latest hourly newscast: title, time, length and its (expiring) audio link."""
    if not catalogue.newscast_feed:
        raise BadInput('the station catalogue has no newscast feed ("newscast": {"feed": ...})')
    newscast: Newscast = fetch.fetch_newscast(http, catalogue.newscast_feed,
                                              now=datetime.now(UTC))
    if as_json:
        _print_json(newscast.to_json())
        return 0
    print(newscast.title)
    length = duration(newscast.duration_s) if newscast.duration_s is not None else ""
    meta = " · ".join(x for x in (day_and_time(newscast.published), length) if x)
    if meta:
        print(meta)
    print(newscast.audio_url)
    return 0
