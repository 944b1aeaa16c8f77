"""The story reader: title, byline, dates, lead image with caption and credit, and the body.

`show(story)` fills it and sets `is_open`; `close()` clears it. The lead image is
downloaded and decoded off the Kivy thread by `news.fetch_image` (never AsyncImage on
a remote URL); a placeholder stands in while it loads
and when it fails. Title, byline, dates and caption are escaped for Kivy markup;
body paragraphs are plain-text labels (markup off). A long body is laid out over
several frames.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from importlib.resources import files

from kivy.clock import Clock
from kivy.core.image import ImageLoaderBase
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from infra.timefmt import long_date, zoned_clock
from news.controller import NewsController
from news.model import Story
from ui.clipping import ClippedScrollView  # noqa: F401 - used by reader.kv
from ui.markup import escape

_KV = str(files("ui") / "reader.kv")
BODY_CHARS_PER_FRAME = 2000


def _day(dt: datetime, local: tzinfo | None) -> date:
    return (dt.astimezone(local) if local is not None else dt.astimezone()).date()


def dates_line(story: Story, local: tzinfo | None = None) -> str:
    """'Saturday, November 28, 2026, 7:05 AM CST · Updated 9:30 AM CST' (plain text)."""
    parts = []
    if story.published is not None:
        parts.append(long_date(story.published, local))
    if story.updated is not None and story.updated != story.published:
        same_day = (story.published is not None
                    and _day(story.updated, local) == _day(story.published, local))
        stamp = zoned_clock(story.updated, local) if same_day else long_date(story.updated, local)
        parts.append(f"Updated {stamp}")
    return " · ".join(parts)


class StoryReader(BoxLayout):
    """Shows one story; built with the NewsController that downloads its images."""

    news = ObjectProperty(None)
    story = ObjectProperty(None, allownone=True)
    is_open = BooleanProperty(False)
    paint_surface = BooleanProperty(True)  # False where the window's clear colour is the surface
    title_text = StringProperty("")
    byline_text = StringProperty("")
    dates_text = StringProperty("")
    caption_text = StringProperty("")
    image_path = StringProperty("")
    image_state = OptionProperty("none", options=["none", "loading", "ready", "failed"])

    def __init__(self, news: NewsController, *, local: tzinfo | None = None, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        self._local = local
        self._pending: list[str] = []
        super().__init__(news=news, **kwargs)
        self._more_body = Clock.create_trigger(self._add_paragraphs, 0)

    def show(self, story: Story) -> None:
        """Fill the reader with `story`, start its image download, and open it."""
        self.story = story
        self.title_text = escape(story.title)
        self.byline_text = escape(story.byline)
        self.dates_text = escape(dates_line(story, self._local))
        image = story.image
        self.caption_text = escape(" · ".join(p for p in (image.caption, image.credit) if p)
                                   if image else "")
        self.image_path = ""
        self.ids.image.texture = None
        self._fill_body(story)
        self.ids.scroll.scroll_y = 1
        if image is None:
            self.image_state = "none"
        else:
            self.image_state = "loading"
            self.news.fetch_image(image.url,
                                  lambda path, img, s=story: self._decoded(s, path, img))
        self.is_open = True

    def close(self) -> None:
        """Close the reader and forget the story (a late image download is then ignored)."""
        self.story = None
        self.is_open = False
        self.image_state = "none"
        self.image_path = ""
        self.ids.image.texture = None
        self._pending = []
        self.ids.body.clear_widgets()

    def _decoded(self, story: Story, path: str | None, image: ImageLoaderBase | None) -> None:
        """The file was decoded off the Kivy thread; its texture is made here, on it."""
        if story is not self.story:
            return
        texture = image.texture if image is not None else None
        if texture is None or path is None:
            self.image_state = "failed"
            return
        self.ids.image.texture = texture
        self.image_path = path
        self.image_state = "ready"

    def _fill_body(self, story: Story) -> None:
        self.ids.body.clear_widgets()
        self._pending = list(story.body or ((story.summary,) if story.summary else ()))
        self._add_paragraphs()

    def _add_paragraphs(self, _dt: float = 0) -> None:
        """Lay out about BODY_CHARS_PER_FRAME of the body, then the rest on later frames
        (rendering a long story's text at once would stall a frame for half a second)."""
        budget = BODY_CHARS_PER_FRAME
        while self._pending and budget > 0:
            text = self._pending.pop(0)
            budget -= len(text)
            width = self.ids.body.width  # laid out at its width at once: rendered once
            self.ids.body.add_widget(ReaderParagraph(text=text, width=width,
                                                     text_size=(width, None)))
        if self._pending:
            self._more_body()


class ReaderParagraph(Label):
    """One paragraph of the story body: plain text (markup off, so shown literally, and
    rendered about twice as fast as a markup label); styled in reader.kv."""
