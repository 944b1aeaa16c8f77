"""Metadata benchmark (prints JSON): requests per listener-hour under the guide's refresh
policy over simulated days (the selected station's guide, and the station list's
roster for each other station; clock injected, the real ComposerClient with a counting fake
HTTP layer, so neighbour-day fetches around midnight count too), and parse times of a full
day's schedule and of a 50-story station feed.

Run: .venv/bin/python bench/metadata.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infra.http import Fetched  # noqa: E402
from player.stations import ScheduleSource  # noqa: E402
from schedule.composer import ComposerClient, day_programs  # noqa: E402
from schedule.model import Program  # noqa: E402
from schedule.refresh import ROSTER_POLICY, GuideState, RefreshPolicy, is_due  # noqa: E402
from tests.support.metadata_server import (  # noqa: E402
    CHICAGO,
    KCUR_UCS,
    Airing,
    day_payload,
    demo_day,
    hourly,
)

GUIDE_POLICY = RefreshPolicy()
WEB_PLAYER_PER_HOUR = 60  # real web widgets poll /now every 60 s


class CountingHttp:
    """Stands in for HttpClient: serves Composer days from the builders and counts requests."""

    def __init__(self, schedule_of: Callable[[date], list[Airing]]) -> None:
        self.schedule_of = schedule_of
        self.requests = 0

    def get(self, url: str, *, source: str, params: dict | None = None, check=None) -> Fetched:
        self.requests += 1
        day = date.fromisoformat((params or {})["date"])
        body = json.dumps(day_payload(self.schedule_of(day), CHICAGO, day)).encode()
        return Fetched(url, 200, body, "application/json", False, datetime.now(UTC))


def requests_per_hour(schedule_of: Callable[[date], list[Airing]], hours: int = 24, *,
                      policy: RefreshPolicy = GUIDE_POLICY, boundaries: bool = True) -> dict:
    """The selected station's guide (boundaries=True), or the station list's roster for one
    other station (its policy, no refresh at program boundaries)."""
    http = CountingHttp(schedule_of)
    client = ComposerClient(http, ScheduleSource("composer", KCUR_UCS, "http://bench"), CHICAGO)
    state = GuideState()
    t = datetime(2025, 5, 14, 6, 0, tzinfo=CHICAGO).astimezone(UTC)  # listener tunes in
    worst_hour: list[datetime] = []
    asked: list[datetime] = []
    for _ in range(hours * 60):  # the UI ticks every second; minute steps change nothing here
        if is_due(state, t, CHICAGO, policy):
            day = client.around(t)
            asked.append(t)
            starts = tuple(p.start for p in day.programs) if boundaries else ()
            state = state.succeeded(t, day.day, starts)
        t += timedelta(minutes=1)
    for start in asked:
        window = [u for u in asked if start <= u < start + timedelta(hours=1)]
        worst_hour = max(worst_hour, window, key=len)
    return {"requests": http.requests, "refreshes": len(asked), "hours": hours,
            "per_listener_hour": round(http.requests / hours, 2),
            "worst_hour": len(worst_hour)}


def timed(work: Callable[[], object], runs: int) -> dict:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(samples), 3),
            "max_ms": round(max(samples), 3), "runs": runs}


def parse_day_bench() -> dict:
    day = date(2025, 5, 14)
    half_hours = [Airing(f"Show {n}", datetime.combine(day, datetime.min.time(), CHICAGO)
                         + timedelta(minutes=30 * n),
                         datetime.combine(day, datetime.min.time(), CHICAGO)
                         + timedelta(minutes=30 * (n + 1)), ("Host A", "Host B"), "About it.")
                  for n in range(48)]
    payload = json.dumps(day_payload(half_hours, CHICAGO, day)).encode()
    result = timed(lambda: day_programs(payload, CHICAGO, day), 200)
    return {**result, "programs": 48, "bytes": len(payload)}


def on_now_bench() -> dict:
    """What the UI asks several times a second: on now among three days of 15-minute programs
    (the demo's schedule, the densest we know), with listener-time and station-time instants."""
    from schedule.guide import on_now

    start = datetime.combine(date(2025, 5, 13), datetime.min.time(), CHICAGO)
    programs = [Program(f"Show {n}", start + timedelta(minutes=15 * n),
                        start + timedelta(minutes=15 * (n + 1))) for n in range(3 * 96)]
    at = datetime(2025, 5, 14, 17, 7, tzinfo=UTC)
    runs = 2000
    started = time.perf_counter()
    for _ in range(runs):
        on_now(programs, at)
    per_call_us = (time.perf_counter() - started) / runs * 1e6
    return {"programs": len(programs), "per_call_us": round(per_call_us, 1), "runs": runs}


def parse_feed_bench() -> dict:
    try:
        from news.feeds import parse_station_feed
        from tests.support.feeds import full_feed
    except ImportError as err:
        return {"skipped": f"news parser not available ({err})"}
    data = full_feed(50)
    stories = parse_station_feed(data, "bench feed")
    result = timed(lambda: parse_station_feed(data, "bench feed"), 20)
    return {**result, "stories": len(stories), "bytes": len(data)}


def main() -> int:
    typical = requests_per_hour(demo_day)
    hourly_day = requests_per_hour(lambda d: hourly(CHICAGO, d))
    roster = requests_per_hour(lambda d: hourly(CHICAGO, d), policy=ROSTER_POLICY,
                               boundaries=False)
    print(json.dumps({
        "refresh_policy": {"typical_weekday": typical, "hourly_programs": hourly_day,
                           "web_player_per_hour": WEB_PLAYER_PER_HOUR, "target_per_hour": 4},
        "station_list_per_other_station": roster,
        "parse_day_schedule": parse_day_bench(),
        "on_now_288_programs": on_now_bench(),
        "parse_50_story_feed": parse_feed_bench(),
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
