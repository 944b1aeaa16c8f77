"""NewsController: the selected station's stories, the newscast and story images for the UI.

All network work runs off the Kivy thread on the task runner; results
land on the Kivy thread, and answers for a station no longer selected are dropped.
The controller keeps its own time (views only bind): `tick()`, on its Kivy timer every
TICK_S, refreshes the stories and the newscast when news/refresh.py says they are due.
The app calls `start_newscast(feed)` once; the newscast is then fetched at once and about
once an hour (each check revalidates: a new newscast is due, whatever the cache thinks).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.logger import Logger
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty

from infra.errors import OnAirError
from infra.http import HttpClient
from infra.image_decode import decode, kivy_image
from infra.images import fetch_image
from infra.tasks import Lane, Task, TaskRunner
from infra.timefmt import copy_time, now_utc
from news import fetch
from news.feeds import MAX_STORIES
from news.model import Newscast, Story
from news.refresh import (
    NewscastPolicy,
    NewscastState,
    StoriesPolicy,
    StoriesState,
    newscast_due,
    next_newscast_check,
    next_stories_check,
    stories_due,
)
from player.stations import Station

STATUSES = ("idle", "loading", "ok", "stale", "unavailable", "none")
TICK_S = 10.0  # how often the timer asks whether a refresh is due (a tick costs microseconds)


def newest(stories: list[Story]) -> datetime | None:
    """The latest published time among `stories` (None when none is dated)."""
    return max((s.published for s in stories if s.published is not None), default=None)


class NewsController(EventDispatcher):
    """Built with the HTTP client and the folder for downloaded story images."""

    station = ObjectProperty(None, allownone=True)
    stories = ListProperty([])
    status = OptionProperty("idle", options=STATUSES)
    message = StringProperty("")
    fetched_at = ObjectProperty(None, allownone=True)
    newscast = ObjectProperty(None, allownone=True)
    newscast_message = StringProperty("")  # why the newscast is missing, "" when fine
    newscast_feed = StringProperty("")  # set by start_newscast ("": no newscast configured)
    minute = ObjectProperty(None, allownone=True)  # the clock to the minute: "time ago" follows

    def __init__(self, http: HttpClient, cache_dir: Path, *, tasks: TaskRunner,
                 max_stories: int = MAX_STORIES, clock: Callable[[], datetime] = now_utc,
                 newscast_policy: NewscastPolicy | None = None,
                 stories_policy: StoriesPolicy | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._http = http
        self._tasks = tasks
        self._image_dir = Path(cache_dir) / "images"
        self._max_stories = max_stories
        self.clock = clock
        self.newscast_policy = newscast_policy or NewscastPolicy()
        self.stories_policy = stories_policy or StoriesPolicy()
        self._task: Task | None = None
        self._stories_state = StoriesState()
        self._newscast_task: Task | None = None
        self._newscast_state = NewscastState()
        self._newscast_at: datetime | None = None  # when the newscast shown was fetched
        self._closed = False
        self._timer = Clock.schedule_interval(lambda _dt: self.tick(), TICK_S)

    # -- stories ----------------------------------------------------------------------------
    def set_station(self, station: Station | None) -> None:
        if station == self.station and self.status != "idle":
            return
        self._cancel(self._task)
        self._task, self._stories_state = None, StoriesState()
        self.station = station
        self.stories = []
        self.fetched_at = None
        if station is None:
            self.status, self.message = "idle", ""
        elif not station.news_feed:
            self.status, self.message = "none", f"{station.name} has no news feed."
        else:
            self.refresh(first=True)

    def refresh(self, *, first: bool = False) -> None:
        """Fetch the stories in the background; a switch's fetch (`first`) goes ahead of what
        is queued there."""
        station = self.station
        if self._closed or station is None or not station.news_feed:
            return
        self._cancel(self._task)
        self.status, self.message = "loading", ""
        max_stories = self._max_stories
        self._task = self._tasks.submit(
            "background",
            lambda: fetch.fetch_stories(self._http, station, max_stories=max_stories),
            lambda result: self._stories_done(station, result),
            lambda err: self._stories_failed(station, err), first=first)

    def next_stories_at(self) -> datetime | None:
        """When the stories are refreshed next (None: no feed, or a fetch is running)."""
        station = self.station
        if station is None or not station.news_feed or self._task is not None or self._closed:
            return None
        return next_stories_check(self._stories_state, self.stories_policy)

    def _stories_done(self, station: Station, result: fetch.StoriesResult) -> None:
        if station != self.station or self._closed:
            return
        self._task = None
        at = self.clock()
        stories = list(result.stories)
        if result.stale:
            self._stories_state = self._stories_state.failed(at)
        else:
            self._stories_state = self._stories_state.checked(at, newest(stories))
        if stories != list(self.stories):  # an unchanged refresh keeps the list as it is
            self.stories = stories
        self.fetched_at = result.fetched_at
        source = fetch.news_source(station)
        if result.stale:
            self.status = "stale"
            self.message = (f"News unavailable: {source} "
                            f"(showing {copy_time(result.fetched_at)} copy)")
        else:
            self.status = "ok"
            self.message = "" if result.stories else f"No stories in the {source} right now."

    def _stories_failed(self, station: Station, err: BaseException) -> None:
        if station != self.station or self._closed:
            return
        self._task = None
        self._stories_state = self._stories_state.failed(self.clock())
        if self.stories:  # a failed refresh keeps the stories shown
            shown = copy_time(self.fetched_at) if self.fetched_at else "an earlier"
            self.status = "stale"
            self.message = f"News unavailable: {fetch.news_source(station)} (showing {shown} copy)"
            return
        self.status = "unavailable"
        self.message = f"News unavailable: {self._reason(err)}"

    # -- newscast ---------------------------------------------------------------------------
    def start_newscast(self, feed_url: str | None) -> None:
        """Show the latest newscast of `feed_url` and keep it current: fetched now, then
        when a new one is due (the app calls this once, with the catalogue's feed)."""
        if self._closed or not feed_url:
            return
        self._cancel(self._newscast_task)
        self._newscast_task, self._newscast_state = None, NewscastState()
        if feed_url != self.newscast_feed:
            self.newscast, self._newscast_at = None, None
        self.newscast_feed = feed_url
        self.tick()

    def next_newscast_at(self) -> datetime | None:
        """When the newscast feed is asked next (None: no feed, or a check is running)."""
        if not self.newscast_feed or self._newscast_task is not None or self._closed:
            return None
        return next_newscast_check(self._newscast_state, self.newscast_policy)

    def _check_newscast(self, at: datetime) -> None:
        feed_url, http = self.newscast_feed, self._http
        self._newscast_task = self._tasks.background(
            lambda: fetch.fetch_newscast(http, feed_url, now=at, revalidate=True),
            lambda cast: self._newscast_done(feed_url, at, cast),
            lambda err: self._newscast_failed(feed_url, at, err))

    def _newscast_done(self, feed_url: str, at: datetime, newscast: Newscast) -> None:
        if self._closed or feed_url != self.newscast_feed:
            return
        self._newscast_task = None
        self._newscast_state = self._newscast_state.checked(at, newscast.published,
                                                            self.newscast_policy)
        self.newscast, self.newscast_message = newscast, ""
        self._newscast_at = at

    def _newscast_failed(self, feed_url: str, at: datetime, err: BaseException) -> None:
        if self._closed or feed_url != self.newscast_feed:
            return
        self._newscast_task = None
        self._newscast_state = self._newscast_state.failed(at)
        reason = self._reason(err)
        if self._newscast_at is not None and at - self._newscast_at <= fetch.NEWSCAST_MAX_AGE:
            Logger.warning("News: newscast check failed, keeping the one shown: %s", reason)
            return  # fetched recently: its audio link still works
        self.newscast = None
        self.newscast_message = f"Newscast unavailable: {reason}"

    # -- the controller's clock -------------------------------------------------------------
    def tick(self) -> None:
        """Start what is due: the stories' refresh, the newscast check (the timer calls it)."""
        if self._closed:
            return
        at = self.clock()
        minute = at.replace(second=0, microsecond=0)
        if minute != self.minute:
            self.minute = minute
        station = self.station
        if self._task is None and station is not None and station.news_feed \
                and stories_due(self._stories_state, at, self.stories_policy):
            self.refresh()
        if self._newscast_task is None and self.newscast_feed \
                and newscast_due(self._newscast_state, at, self.newscast_policy):
            self._check_newscast(at)

    # -- images -----------------------------------------------------------------------------
    def fetch_image(self, url: str, on_done: Callable[[str | None, Any], None], *,
                    lane: Lane = "interactive") -> Task | None:
        """Download a story image (size-capped, cached by URL hash, its pixel size checked
        from the header before it is decoded) and decode it at no more than the reader's size
        (infra.image_decode), off the Kivy thread; on_done(path, image) with a Kivy image, or
        (None, None).
        The reader's image is interactive (the listener opened the story)."""
        if self._closed:
            return None
        image_dir, http = self._image_dir, self._http

        def work() -> tuple[str | None, Any]:
            path = fetch_image(http, url, image_dir)  # its pixel size checked (the cap)
            pixels = None if path is None else decode(path, what="Story image")
            if path is None or pixels is None:
                return None, None
            return str(path), kivy_image(pixels)  # fitted to the reader's size

        def done(result: tuple[str | None, Any]) -> None:
            if not self._closed:
                on_done(*result)

        def failed(err: BaseException) -> None:
            Logger.warning("News: story image failed: %s", self._reason(err))
            done((None, None))

        return self._tasks.submit(lane, work, done, failed)

    # -- lifecycle --------------------------------------------------------------------------
    def shutdown(self) -> None:
        self._closed = True
        self._timer.cancel()
        self._cancel(self._task)
        self._cancel(self._newscast_task)

    @staticmethod
    def _cancel(task: Task | None) -> None:
        if task is not None:
            task.cancel()

    @staticmethod
    def _reason(err: BaseException) -> str:
        if isinstance(err, OnAirError):
            return str(err)
        Logger.error("News: unexpected %s: %s", type(err).__name__, err)
        return f"internal error ({type(err).__name__})"
