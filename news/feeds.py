"""Station RSS 2.0 feeds to Story values, via feedparser over bytes we fetched ourselves.

feedparser is only ever given a byte stream: it never fetches a URL or opens a
file. Everything remote comes out as plain text (infra.html_text). media:title and
media:description are not kept by feedparser, so a second, strict XML read of the
same bytes supplies the image caption and the complete dc:creator list when the
feed is well-formed.
"""

from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree
from xml.sax import SAXParseException

import feedparser

from infra.errors import BadInput, OnAirError, SourceUnavailable
from infra.html_text import clean_text, html_to_text, plain
from infra.urls import check_stream_url
from news.model import Story, StoryImage, byline

MAX_STORIES = 50
MAX_BODY_CHARS = 50_000
MAX_SUMMARY_CHARS = 1_000
MAX_AUTHORS = 10
_MRSS = "search.yahoo.com/mrss"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_BY = re.compile(r"^by\s+", re.I)
_ENDS_WITH_ROOT = re.compile(rb"</(?:\w+:)?(?:rss|feed|RDF)>\s*(?:<!--.*?-->\s*)*\Z", re.S)


def web_url(url: object, base: str = "") -> str:
    """`url` (resolved against `base`) if it is an http(s) URL with a host, else ""."""
    if not isinstance(url, str) or not url.strip():
        return ""
    try:
        return check_stream_url(urljoin(base, url.strip()) if base else url.strip())
    except (BadInput, ValueError):
        return ""


def when(parsed: Any) -> datetime | None:
    """An aware UTC datetime from feedparser's *_parsed struct_time (which is UTC)."""
    if not isinstance(parsed, time.struct_time):
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


def read_feed(data: bytes, source: str) -> feedparser.FeedParserDict:
    """Parse `data` as a feed; SourceUnavailable when it is not one (HTML page, garbage, cut)."""
    try:
        # infra.html_text is the sanitiser; feedparser's own pass would only cost time
        parsed = feedparser.parse(io.BytesIO(data), sanitize_html=False,
                                  resolve_relative_uris=False)
    except Exception as err:  # noqa: BLE001 - feedparser is lenient; anything else is ours
        raise SourceUnavailable(f"{source}: not an RSS feed ({_short(err)})") from err
    entries = parsed.get("entries") or []
    if not parsed.get("version") or (parsed.get("bozo") and not entries):
        raise SourceUnavailable(f"{source}: not an RSS feed ({_not_feed_reason(parsed, data)})")
    if parsed.get("bozo") and not _ENDS_WITH_ROOT.search(data[-4096:]):
        # lenient parsing keeps the items before the cut; the last one would be half a story
        raise SourceUnavailable(f"{source}: not an RSS feed (cut off before its end)")
    return parsed


def _not_feed_reason(parsed: feedparser.FeedParserDict, data: bytes) -> str:
    head = data.lstrip()[:512].lower()
    if not head:
        return "empty body"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "an HTML page"
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if isinstance(exc, SAXParseException):
        return f"malformed XML: {_short(exc.getMessage())}"
    return _short(exc) if exc else "no RSS or Atom document"


def _short(err: object, limit: int = 100) -> str:
    text = clean_text(str(err or ""))
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class _RawItem:
    """What feedparser drops: all dc:creator values and media:content's title/description."""

    creators: tuple[str, ...]
    media: tuple[dict[str, str], ...]


def _raw_items(data: bytes) -> list[_RawItem] | None:
    if b"<!ENTITY" in data:  # no entity expansion games in the strict reader
        return None
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, ValueError):
        return None
    items = []
    for item in root.iter("item"):
        creators = tuple(el.text or "" for el in item.iter(_DC_CREATOR))
        media = []
        for el in item.iter():
            if isinstance(el.tag, str) and _MRSS in el.tag and el.tag.endswith("}content"):
                entry = {k: v for k, v in el.attrib.items() if k in ("url", "medium", "type")}
                for child in el:
                    name = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
                    if name in ("title", "credit", "description") and name not in entry:
                        entry[name] = child.text or ""
                media.append(entry)
        items.append(_RawItem(tuple(c for c in creators if c.strip()), tuple(media)))
    return items


def _authors(entry: Any, raw: _RawItem | None) -> tuple[str, ...]:
    names: list[str] = list(raw.creators) if raw and raw.creators else []
    if not names:
        names = [str(a.get("name") or "") for a in entry.get("authors") or []
                 if isinstance(a, dict)]
    if not any(names) and entry.get("author"):
        names = [str(entry.get("author"))]
    unique: list[str] = []
    for name in names:
        name = _BY.sub("", plain(name, max_chars=120))
        if name and name not in unique:
            unique.append(name)
    return tuple(unique[:MAX_AUTHORS])


def _is_image(media: dict) -> bool:
    return media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")


def _image(entry: Any, raw: _RawItem | None, content_img: tuple[str, str] | None,
           link: str) -> StoryImage | None:
    if raw is not None:
        media_list: list[dict] = list(raw.media)
    else:
        credit = entry.get("media_credit") or [{}]
        media_list = [dict(m, credit=(credit[0] or {}).get("content", "") if i == 0 else "")
                      for i, m in enumerate(entry.get("media_content") or [])
                      if isinstance(m, dict)]
    for media in media_list:
        url = web_url(media.get("url"), link)
        if url and _is_image(media):
            caption = plain(media.get("title") or "") or plain(media.get("description") or "")
            return StoryImage(url, caption, plain(media.get("credit") or ""))
    for enclosure in entry.get("enclosures") or []:
        if str(enclosure.get("type", "")).startswith("image/"):
            url = web_url(enclosure.get("href"), link)
            if url:
                return StoryImage(url)
    for thumb in entry.get("media_thumbnail") or []:
        url = web_url(thumb.get("url") if isinstance(thumb, dict) else None, link)
        if url:
            return StoryImage(url)
    if content_img is not None:
        url = web_url(content_img[0], link)
        if url:
            return StoryImage(url, content_img[1])
    return None


def _content_html(entry: Any) -> str:
    for content in entry.get("content") or []:
        value = content.get("value") if isinstance(content, dict) else None
        if value:
            return str(value)
    return ""


def _story(entry: Any, raw: _RawItem | None, max_body_chars: int) -> Story | None:
    link = web_url(entry.get("link"))
    content = _content_html(entry)
    teaser = str(entry.get("summary") or "")
    body = html_to_text(content or teaser, max_chars=max_body_chars)
    # feedparser copies content:encoded into summary when there is no description
    summary = "" if teaser == content else plain(teaser, max_chars=MAX_SUMMARY_CHARS)
    if not summary and body.paragraphs:
        summary = plain(body.paragraphs[0], max_chars=MAX_SUMMARY_CHARS)
    title = plain(str(entry.get("title") or ""))
    if not (title or summary or body.paragraphs):
        return None
    authors = _authors(entry, raw)
    return Story(
        title=title,
        url=link,
        published=when(entry.get("published_parsed")),
        updated=when(dict.get(entry, "updated_parsed")),  # entry.get falls back to published
        authors=authors,
        byline=byline(authors),
        image=_image(entry, raw, body.first_image, link),
        summary=summary,
        body=body.paragraphs,
    )


def parse_station_feed(data: bytes, source: str, *, max_stories: int = MAX_STORIES,
                       max_body_chars: int = MAX_BODY_CHARS) -> list[Story]:
    """Stories of a station RSS feed, newest first (undated last), at most `max_stories`.

    A valid feed without items gives []; bytes that are not a feed raise
    SourceUnavailable naming `source` (e.g. "KCUR 89.3 news feed").
    """
    parsed = read_feed(data, source)
    entries = list(parsed.get("entries") or [])
    raws = None if parsed.get("bozo") else _raw_items(data)
    if raws is not None and len(raws) != len(entries):
        raws = None
    stories: list[Story] = []
    try:
        for i, entry in enumerate(entries):
            story = _story(entry, raws[i] if raws else None, max_body_chars)
            if story is not None:
                stories.append(story)
    except OnAirError:
        raise
    except Exception as err:  # noqa: BLE001 - odd shapes from a lenient parser
        raise SourceUnavailable(f"{source}: unusable RSS item ({_short(err)})") from err
    stories.sort(key=lambda s: s.published.timestamp() if s.published else float("-inf"),
                 reverse=True)
    return stories[:max_stories]
