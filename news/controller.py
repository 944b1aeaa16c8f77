"""NewsController: the selected station's stories, the newscast and story images for the UI.

All network work runs off the Kivy thread through infra.tasks.run_async; results
land on the Kivy thread, and answers for a station no longer selected are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.event import EventDispatcher
from kivy.logger import Logger
from kivy.properties import ListProperty, ObjectProperty, OptionProperty, StringProperty

from infra.errors import OnAirError
from infra.http import HttpClient
from infra.tasks import Task, run_async
from infra.timefmt import copy_time
from news import fetch
from news.feeds import MAX_STORIES
from player.stations import Station

STATUSES = ("idle", "loading", "ok", "stale", "unavailable", "none")



class NewsController(EventDispatcher):
    """Built with the HTTP client and the folder for downloaded story images."""

    station = ObjectProperty(None, allownone=True)
    stories = ListProperty([])
    status = OptionProperty("idle", options=STATUSES)
    message = StringProperty("")
    fetched_at = ObjectProperty(None, allownone=True)
    newscast = ObjectProperty(None, allownone=True)
    newscast_message = StringProperty("")  # why the newscast is missing, "" when fine

    def __init__(self, http: HttpClient, cache_dir: Path, *, max_stories: int = MAX_STORIES,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._http = http
        self._image_dir = Path(cache_dir) / "images"
        self._max_stories = max_stories
        self._task: Task | None = None
        self._newscast_task: Task | None = None
        self._closed = False

    # -- stories ----------------------------------------------------------------------------
    def set_station(self, station: Station | None) -> None:
        if station == self.station and self.status != "idle":
            return
        self._cancel(self._task)
        self.station = station
        self.stories = []
        self.fetched_at = None
        if station is None:
            self.status, self.message = "idle", ""
        elif not station.news_feed:
            self.status, self.message = "none", f"{station.name} has no news feed."
        else:
            self.refresh()

    def refresh(self) -> None:
        station = self.station
        if self._closed or station is None or not station.news_feed:
            return
        self._cancel(self._task)
        self.status, self.message = "loading", ""
        max_stories = self._max_stories
        self._task = run_async(
            lambda: fetch.fetch_stories(self._http, station, max_stories=max_stories),
            lambda result: self._stories_done(station, result),
            lambda err: self._stories_failed(station, err),
        )

    def _stories_done(self, station: Station, result: fetch.StoriesResult) -> None:
        if station != self.station or self._closed:
            return
        self.stories = list(result.stories)
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
        self.status = "unavailable"
        self.message = f"News unavailable: {self._reason(err)}"

    # -- newscast ---------------------------------------------------------------------------
    def load_newscast(self, feed_url: str) -> None:
        """Fetch the latest newscast into `newscast` (or `newscast_message` on failure)."""
        if self._closed:
            return
        self._cancel(self._newscast_task)
        self.newscast_message = ""
        self._newscast_task = run_async(
            lambda: fetch.fetch_newscast(self._http, feed_url),
            self._newscast_done, self._newscast_failed)

    def _newscast_done(self, newscast: Any) -> None:
        if not self._closed:
            self.newscast, self.newscast_message = newscast, ""

    def _newscast_failed(self, err: BaseException) -> None:
        if not self._closed:
            self.newscast = None
            self.newscast_message = f"Newscast unavailable: {self._reason(err)}"

    # -- images -----------------------------------------------------------------------------
    def fetch_image(self, url: str, on_done: Callable[[str | None], None]) -> None:
        """Download a story image (size-capped, cached by URL hash); on_done(path or None)."""
        if self._closed:
            return
        image_dir, http = self._image_dir, self._http

        def work() -> str | None:
            path = fetch.fetch_image(http, url, image_dir)
            return str(path) if path is not None else None

        def done(path: str | None) -> None:
            if not self._closed:
                on_done(path)

        def failed(err: BaseException) -> None:
            Logger.warning("News: story image failed: %s", self._reason(err))
            done(None)

        run_async(work, done, failed)

    # -- lifecycle --------------------------------------------------------------------------
    def shutdown(self) -> None:
        self._closed = True
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
