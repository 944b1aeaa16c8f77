"""News: the hourly newscast row (with its play button) and the station's story list.

Built with the NewsController and the PlayerController. Selecting a story (click or
`select_next()` for the 'n' key) dispatches `on_story(story)`; the app opens the
reader with it. Rows are plain dicts of escaped text; "time ago" follows the controller's
`minute`. The controller fetches the newscast and keeps it current (the app starts it);
the panel only shows `newscast` / `newscast_message`, with a row when a feed is set.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import files

from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.recycleview import RecycleView
from kivy.uix.recycleview.views import RecycleDataViewBehavior

from infra.timefmt import duration, time_ago, zoned_clock
from news.controller import NewsController
from news.model import Newscast, Story
from player.controller import PlayerController
from player.states import ACTIVE
from ui.clipping import ClippedRecycleView
from ui.markup import escape

_KV = str(files("ui") / "news_panel.kv")


def story_rows(stories: list[Story], now: datetime, selected: int) -> list[dict]:
    """RecycleView rows: escaped title and "byline · time ago", the selection flag."""
    rows = []
    for i, story in enumerate(stories):
        meta = " · ".join(p for p in (story.byline, time_ago(story.published, now)) if p)
        rows.append({"index": i, "title_text": escape(story.title),
                     "meta_text": escape(meta), "selected": i == selected})
    return rows


def newscast_line(newscast: Newscast) -> str:
    """'7:06 AM EST · 4:45' (plain): when it was published and how long it runs."""
    parts = []
    if newscast.published is not None:
        parts.append(zoned_clock(newscast.published))
    if newscast.duration_s:
        parts.append(duration(newscast.duration_s))
    return " · ".join(parts)


class StoryRow(RecycleDataViewBehavior, ButtonBehavior, BoxLayout):
    """One story in the list; a click asks its StoryList to pick it."""

    index = NumericProperty(-1)
    title_text = StringProperty("")
    meta_text = StringProperty("")
    selected = BooleanProperty(False)
    _list = None

    def refresh_view_attrs(self, rv: RecycleView, index: int, data: dict) -> None:
        self._list = rv
        super().refresh_view_attrs(rv, index, data)

    def on_release(self) -> None:
        if self._list is not None:
            self._list.dispatch("on_pick", self.index)


class StoryList(ClippedRecycleView):
    """The story RecycleView; `on_pick(index)` when a row is clicked."""

    __events__ = ("on_pick",)

    def on_pick(self, index: int) -> None:
        pass

    def show_index(self, index: int, row_height: float) -> None:
        """Scroll just enough for row `index` to be fully visible."""
        total = len(self.data) * row_height
        hidden = total - self.height
        if hidden <= 0:
            return
        top = index * row_height  # distance of the row's top from the list's top
        shown_top = (1 - self.scroll_y) * hidden
        if top < shown_top:
            shown_top = top
        elif top + row_height > shown_top + self.height:
            shown_top = top + row_height - self.height
        self.scroll_y = max(0.0, min(1.0, 1 - shown_top / hidden))


class NewsPanel(BoxLayout):
    """Newscast row and story list of the selected station."""

    news = ObjectProperty(None)
    player = ObjectProperty(None)
    selected_index = NumericProperty(-1)
    heading_text = StringProperty("News")
    message_text = StringProperty("")
    newscast_title = StringProperty("")
    newscast_meta = StringProperty("")
    newscast_playing = BooleanProperty(False)
    has_newscast = BooleanProperty(False)  # a newscast feed is configured
    paint_surface = BooleanProperty(True)  # False where the window's clear colour is the surface
    __events__ = ("on_story",)

    def __init__(self, news: NewsController, player: PlayerController, *,
                 clock: Callable[[], datetime] | None = None, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._stories: list[Story] = []
        super().__init__(news=news, player=player, **kwargs)
        self._bindings = {"stories": self._on_stories, "station": self._on_status,
                          "status": self._on_status, "message": self._on_status,
                          "newscast": self._on_newscast, "newscast_message": self._on_newscast,
                          "newscast_feed": self._on_newscast, "minute": self._fill_rows}
        news.bind(**self._bindings)
        player.bind(mode=self._on_player, state=self._on_player)
        self.ids.stories.bind(on_pick=lambda _rv, i: self.select(i))
        self._on_stories()
        self._on_status()
        self._on_newscast()

    def on_story(self, story: Story) -> None:
        pass

    def stop(self) -> None:
        """Stop following the controllers (the app calls this on exit)."""
        self.news.unbind(**self._bindings)
        self.player.unbind(mode=self._on_player, state=self._on_player)

    def select(self, index: int) -> None:
        """Select story `index`, scroll it into view and dispatch on_story."""
        if not 0 <= index < len(self._stories):
            return
        self.selected_index = index
        self._fill_rows()
        self.ids.stories.show_index(index, self.ids.rows.default_size[1])
        self.dispatch("on_story", self._stories[index])

    def select_next(self) -> None:
        """Select the story after the selected one (the first after the last)."""
        if self._stories:
            self.select((self.selected_index + 1) % len(self._stories))

    def play_newscast(self) -> None:
        newscast = self.news.newscast
        if newscast is not None:
            self.player.play_ondemand(newscast.audio_url, newscast.title)

    def _on_stories(self, *_args) -> None:
        self._stories = list(self.news.stories)
        self.selected_index = -1
        self._fill_rows()
        self.ids.stories.scroll_y = 1

    def _fill_rows(self, *_args) -> None:
        self.ids.stories.data = story_rows(self._stories, self._clock(), self.selected_index)

    def _on_status(self, *_args) -> None:
        news = self.news
        station = news.station
        self.heading_text = escape(f"News from {station.name}") if station else "News"
        if news.status == "loading" and not self._stories:
            self.message_text = "Loading stories…"
        else:
            self.message_text = escape(news.message)

    def _on_newscast(self, *_args) -> None:
        self.has_newscast = bool(self.news.newscast_feed)
        newscast = self.news.newscast
        if newscast is None:
            self.newscast_title = ""
            self.newscast_meta = escape(self.news.newscast_message or "Loading…")
        else:
            self.newscast_title = escape(newscast.title)
            self.newscast_meta = escape(newscast_line(newscast))
        self._on_player()

    def _on_player(self, *_args) -> None:
        player = self.player
        self.newscast_playing = (player.mode == "ondemand"
                                 and player.state in ACTIVE and player.state != "reconnecting")
