"""Metadata benchmark (prints JSON): requests per listener-hour, and parse times.

- `listener_day`: every request of a simulated day with a 4-station catalogue, per source
  (guide, roster, stories, newscast, images), under the old news policy (the newscast polled
  every 10 minutes, stories only on a switch) and the new one (news/refresh.py), side by
  side. The real controllers (GuideController with its roster, NewsController) run on a
  hand-moved clock with a deferred task runner and a counting fake HTTP layer that serves
  the day's payloads as they stand at each instant. Every get() counts as a request
  (the HTTP cache can only lower the figures: a copy still fresh is not asked for).
- `refresh_policy` / `station_list_per_other_station`: the guide's policy alone (the real
  ComposerClient, so neighbour-day fetches around midnight count too).
- Parse times of a full day's schedule and of a 50-story station feed.

Run: .venv/bin/python bench/metadata.py
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

from infra.http import Fetched  # noqa: E402
from player.stations import ScheduleSource, Station  # noqa: E402
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
TARGET_PER_LISTENER_HOUR = 3


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


# -- a listener's day: every source, old and new news policy ------------------------------
DAY_START = datetime(2025, 5, 14, 6, 0, tzinfo=CHICAGO)  # the app opens; open for 24 hours
DAY_HOURS = 24
STEP = timedelta(seconds=10)  # the news controller's timer (the guide's ticks every second)
OLD_NEWSCAST_S = 600  # ui/news_panel.py before: load at start, then every 10 minutes
NEWSCAST_URL = "http://bench/newscast.xml"
DETROIT = ZoneInfo("America/Detroit")
STATIONS = (  # id, time zone, schedule
    ("kcur", CHICAGO, demo_day), ("kuhf", CHICAGO, lambda d: hourly(CHICAGO, d)),
    ("wkar", DETROIT, lambda d: demo_day(d, DETROIT)),
    ("wbhm", CHICAGO, lambda d: hourly(CHICAGO, d)))
# (Chicago wall clock, what the listener does): start on KCUR, switch to each other station,
# back to KCUR in the evening; open eight stories (each has a lead image: one request unless
# that image is already on disk).
ACTIONS = (("06:00", "select", "kcur"), ("07:15", "open", 0), ("07:40", "open", 1),
           ("09:00", "select", "kuhf"), ("09:05", "open", 0), ("12:30", "select", "wkar"),
           ("12:45", "open", 0), ("12:50", "open", 2), ("17:00", "select", "wbhm"),
           ("17:10", "open", 0), ("21:00", "select", "kcur"), ("21:05", "open", 0),
           ("21:20", "open", 3))
NEWSCAST_OUT_MIN = (6, 12)  # each hour's newscast appears 6-12 minutes past (REFERENCE.md 4)
STORIES_PER_DAY = 14  # a station newsroom's day: between 06:00 and 20:00 station time


def ucs_of(station_id: str) -> str:
    return (station_id.encode().hex() * 6)[:24]


def bench_station(station_id: str, tz: ZoneInfo) -> Station:
    return Station(id=station_id, name=station_id.upper(), tagline="", city="",
                   timezone=tz.key, homepage=None, logo=None, streams=(),
                   schedule=ScheduleSource("composer", ucs_of(station_id), "http://bench"),
                   news_feed=f"http://bench/{station_id}/news.rss")


class World:
    """What the sources publish over the day, seeded: newscasts and station stories."""

    def __init__(self, seed: int = 7) -> None:
        rng = random.Random(seed)
        first = (DAY_START - timedelta(hours=3)).astimezone(UTC).replace(minute=0, second=0)
        self.newscasts = [first + timedelta(hours=h, seconds=rng.uniform(
            NEWSCAST_OUT_MIN[0] * 60, NEWSCAST_OUT_MIN[1] * 60)) for h in range(DAY_HOURS + 5)]
        self.stories: dict[str, list[datetime]] = {}
        for station_id, tz, _schedule in STATIONS:
            times = []
            for day in (DAY_START.date() - timedelta(days=1), DAY_START.date(),
                        DAY_START.date() + timedelta(days=1)):
                opens = datetime.combine(day, datetime.min.time(), tz) + timedelta(hours=6)
                times += [opens + timedelta(seconds=rng.uniform(0, 14 * 3600))
                          for _ in range(STORIES_PER_DAY)]
            self.stories[station_id] = sorted(times)

    def newscast_feed(self, t: datetime) -> bytes:
        from tests.support.feeds import newscast_item, newscast_rss

        out = [p for p in self.newscasts if p <= t][-10:]
        return newscast_rss([newscast_item(p, f"https://bench/{p:%H%M}.mp3")
                             for p in reversed(out)])

    def story_feed(self, station_id: str, t: datetime) -> bytes:
        from tests.support.feeds import station_rss

        out = [p for p in self.stories[station_id] if p <= t][-20:]
        return station_rss([{"title": f"Story {p:%H%M%S}", "link": f"https://bench/{p:%j%H%M%S}",
                             "published": p, "image": {"url": self.image(station_id, p)}}
                            for p in reversed(out)])

    @staticmethod
    def image(station_id: str, published: datetime) -> str:
        return f"https://bench/{station_id}/{published:%j%H%M%S}.png"


class WorldHttp:
    """Stands in for HttpClient: answers from the World at the clock's instant; counts."""

    def __init__(self, world: World, clock: Callable[[], datetime],
                 selected: Callable[[], str | None]) -> None:
        self.world, self.clock, self.selected = world, clock, selected
        self.counts: Counter[str] = Counter()
        self.schedules = {ucs_of(sid): (tz, schedule) for sid, tz, schedule in STATIONS}
        self.ids = {ucs_of(sid): sid for sid, _tz, _s in STATIONS}

    def get(self, url: str, *, source: str, params: dict | None = None, check=None,
            revalidate: bool = False) -> Fetched:
        t = self.clock()
        if "/widget/" in url:
            ucs = url.split("/widget/")[1].split("/")[0]
            self.counts["guide" if self.ids[ucs] == self.selected() else "roster"] += 1
            tz, schedule = self.schedules[ucs]
            day = date.fromisoformat((params or {})["date"])
            body = json.dumps(day_payload(schedule(day), tz, day, ucs)).encode()
            return Fetched(url, 200, body, "application/json", False, t)
        if url == NEWSCAST_URL:
            self.counts["newscast"] += 1
            return Fetched(url, 200, self.world.newscast_feed(t), "application/rss+xml",
                           False, t)
        self.counts["stories"] += 1
        return Fetched(url, 200, self.world.story_feed(url.split("/")[3], t),
                       "application/rss+xml", False, t)

    def get_bytes(self, url: str, *, source: str, max_bytes: int) -> bytes:
        from tests.support.feeds import tiny_png

        self.counts["images"] += 1
        return tiny_png()


class DeferredTasks:
    """The TaskRunner's interface; work runs when the simulation drains it (as the Kivy
    clock delivers results after submit() has returned)."""

    class Task:
        def __init__(self) -> None:
            self.cancelled = False

        def cancel(self) -> None:
            self.cancelled = True

    def __init__(self) -> None:
        self.queue: deque = deque()

    def submit(self, lane, work, on_done, on_error=None, *, first: bool = False):
        task = self.Task()
        self.queue.append((task, work, on_done, on_error))
        return task

    def background(self, work, on_done, on_error=None, *, first: bool = False):
        return self.submit("background", work, on_done, on_error, first=first)

    def interactive(self, work, on_done, on_error=None):
        return self.submit("interactive", work, on_done, on_error)

    def drain(self) -> None:
        while self.queue:
            task, work, on_done, on_error = self.queue.popleft()
            if task.cancelled:
                continue
            try:
                result = work()
            except Exception as exc:  # noqa: BLE001 - delivered like the real runner
                if on_error is not None and not task.cancelled:
                    on_error(exc)
                continue
            if not task.cancelled:
                on_done(result)


def listener_day(policy: str, world: World) -> dict:
    """One simulated day under the "old" or "new" news policy: requests per source."""
    from news import fetch
    from news.controller import NewsController
    from news.refresh import StoriesPolicy
    from schedule.controller import GuideController
    from tests.support.clock import ManualClock

    clock = ManualClock(DAY_START.astimezone(UTC))
    stations = {sid: bench_station(sid, tz) for sid, tz, _s in STATIONS}
    selected: list[str | None] = [None]
    http = WorldHttp(world, clock, lambda: selected[0])
    tasks = DeferredTasks()
    never = StoriesPolicy(interval_s=1e9, max_interval_s=1e9, retry_s=(1e9,))
    with tempfile.TemporaryDirectory() as cache:
        guide = GuideController(http, tasks=tasks, clock=clock,
                                stations=tuple(stations.values()))
        if policy == "old":  # the roster revalidated every 6 h before (12 h now)
            guide.roster.policy = replace(guide.roster.policy, max_interval_s=6 * 3600)
        news = NewsController(http, Path(cache), tasks=tasks, clock=clock,
                              stories_policy=never if policy == "old" else None)
        actions = deque((datetime.combine(DAY_START.date(), datetime.strptime(
            hhmm, "%H:%M").time(), CHICAGO), kind, arg) for hhmm, kind, arg in ACTIONS)
        end = clock.now + timedelta(hours=DAY_HOURS)
        if policy == "new":
            news.start_newscast(NEWSCAST_URL)
        old_next = clock.now
        while clock.now < end:
            while actions and actions[0][0] <= clock.now:
                _at, kind, arg = actions.popleft()
                if kind == "select":
                    selected[0] = arg
                    guide.set_station(stations[arg])
                    news.set_station(stations[arg])
                elif news.stories and arg < len(news.stories):
                    story = news.stories[arg]
                    if story.image is not None:
                        fetch.fetch_image(http, story.image.url, Path(cache) / "images")
            if policy == "old" and clock.now >= old_next:
                tasks.background(lambda: fetch.fetch_newscast(http, NEWSCAST_URL),
                                 lambda _cast: None, lambda _err: None)
                old_next += timedelta(seconds=OLD_NEWSCAST_S)
            guide.tick()
            news.tick()
            tasks.drain()
            clock.now += STEP
        guide.shutdown()
        news.shutdown()
    counts = {k: http.counts[k] for k in ("guide", "roster", "stories", "newscast", "images")}
    total = sum(counts.values())
    per_hour = {k: round(v / DAY_HOURS, 2) for k, v in counts.items()}
    return {"requests": {**counts, "total": total},
            "per_listener_hour": {**per_hour, "total": round(total / DAY_HOURS, 2)},
            "within_target": total / DAY_HOURS <= TARGET_PER_LISTENER_HOUR}


def listener_day_bench() -> dict:
    world = World()
    return {
        "scenario": {"stations": [sid for sid, _tz, _s in STATIONS], "hours": DAY_HOURS,
                     "opens": DAY_START.isoformat(),
                     "actions": [" ".join(map(str, a)) for a in ACTIONS],
                     "newscast_out_minutes_past": list(NEWSCAST_OUT_MIN),
                     "stories_per_station_day": STORIES_PER_DAY},
        "old": listener_day("old", world),
        "new": listener_day("new", world),
        "target_total_per_listener_hour": TARGET_PER_LISTENER_HOUR,
    }


def main() -> int:
    typical = requests_per_hour(demo_day)
    hourly_day = requests_per_hour(lambda d: hourly(CHICAGO, d))
    roster = requests_per_hour(lambda d: hourly(CHICAGO, d), policy=ROSTER_POLICY,
                               boundaries=False)
    day = listener_day_bench()
    print(json.dumps({
        "listener_day": day,
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
