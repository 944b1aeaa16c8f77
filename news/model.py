"""News model: stories from a station feed and the hourly newscast. Plain values only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset, or None."""
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class StoryImage:
    url: str
    caption: str = ""
    credit: str = ""

    def to_json(self) -> dict:
        return {"url": self.url, "caption": self.caption, "credit": self.credit}


@dataclass(frozen=True)
class Story:
    """One story; every text field is plain text (remote markup removed, Kivy markup literal)."""

    title: str
    url: str  # http(s) link to the story, or "" when the feed gave none usable
    published: datetime | None  # aware
    updated: datetime | None  # aware
    authors: tuple[str, ...]
    byline: str  # "By A and B", or ""
    image: StoryImage | None
    summary: str
    body: tuple[str, ...]  # paragraphs

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "url": self.url,
            "published": iso(self.published),
            "updated": iso(self.updated),
            "authors": list(self.authors),
            "byline": self.byline,
            "image": self.image.to_json() if self.image else None,
            "summary": self.summary,
            "body": list(self.body),
        }


@dataclass(frozen=True)
class Newscast:
    """The latest hourly newscast. The audio URL expires within about an hour: never store it."""

    title: str
    published: datetime | None  # aware
    audio_url: str
    duration_s: float | None

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "published": iso(self.published),
            "audio_url": self.audio_url,
            "duration_s": self.duration_s,
        }


def byline(authors: tuple[str, ...]) -> str:
    """"By A", "By A and B", "By A, B and C"; "" without authors."""
    if not authors:
        return ""
    if len(authors) == 1:
        return f"By {authors[0]}"
    return f"By {', '.join(authors[:-1])} and {authors[-1]}"
