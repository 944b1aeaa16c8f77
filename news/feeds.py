"""Station RSS 2.0 feeds to Story values, via feedparser over bytes we fetched ourselves.

feedparser is only ever given a byte stream: it never fetches a URL or opens a
file. Everything remote comes out as plain text (infra.html_text). media:title and
media:description are not kept by feedparser, and of `description` and
`itunes:summary` it keeps only one, so a second, strict XML read of the same bytes
supplies the image caption, the complete dc:creator list and both teasers (the
fuller one is the summary) when the feed is well-formed.

The lead image is the first real image of media:content, image enclosures,
media:thumbnail, then the body's <img>s: spacers, tracking pixels, emoji and share
icons (by size attributes, file names, hosts, classes) are skipped. The lead
figure's caption and credit go with the image, not into the body.
"""

from __future__ import annotations

import io
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree
from xml.sax import SAXParseException

import feedparser

from infra.errors import BadInput, SourceUnavailable
from infra.html_text import HtmlText, clean_text, html_to_text, plain
from infra.urls import check_stream_url
from news.feed_bytes import readable_charrefs, too_many_tags
from news.model import Story, StoryImage, byline

log = logging.getLogger(__name__)

MAX_STORIES = 50
MAX_BODY_CHARS = 50_000
MAX_SUMMARY_CHARS = 1_000
MAX_AUTHORS = 10
_MRSS = "search.yahoo.com/mrss"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_ITUNES_SUMMARY = "{http://www.itunes.com/dtds/podcast-1.0.dtd}summary"
_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
_MEDIA_ATTRS = ("url", "medium", "type", "width", "height", "fileSize")
MIN_IMAGE_SIDE = 50  # px: a width or height attribute below this is an icon or a pixel
MIN_IMAGE_BYTES = 1024  # an image enclosure this small is a tracking gif
_WORD = re.compile(r"[a-z0-9]+")
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?)\s*(?:px)?\s*\Z", re.I)
_STYLE_SIZE = re.compile(r"(?:^|[;\s])(?:max-)?(?:width|height)\s*:\s*(\d+(?:\.\d*)?)px", re.I)
_STYLE_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SHARE_ALT = re.compile(r"\s*(?:(?:share|post|tweet|pin)\s+(?:on|to|this|via|it)|follow us|"
                        r"like us|email this|print this)\b", re.I)
_SPACER_WORDS = frozenset({"spacer", "pixel", "blank", "transparent", "trans", "clear", "1x1",
                           "shim", "spc", "dot", "empty", "px", "b", "t", "p", "x", "tr",
                           "tracking", "tracker", "track", "beacon", "impression"})
_TRACKING_HOSTS = frozenset({"pixel", "pixels", "tracking", "tracker", "analytics", "stats",
                             "beacon", "doubleclick", "scorecardresearch", "quantserve",
                             "feedburner", "facebook", "gravatar"})
_SHARE_WORDS = frozenset({"share", "sharing", "social", "sharebar", "addthis", "sharethis",
                          "emoji", "smilies", "smiley", "sociable"})
_ICON_CLASSES = _SHARE_WORDS | {"icon", "wp-smiley", "tracking-pixel"}
_BRANDS = frozenset({"facebook", "fb", "twitter", "tw", "linkedin", "pinterest", "reddit",
                     "whatsapp", "instagram", "youtube", "tiktok", "threads", "bluesky",
                     "mastodon", "email", "mail", "print", "rss"}) | _SHARE_WORDS
_ICON_WORDS = frozenset({"icon", "icons", "ico", "btn", "button", "badge", "logo", "sprite",
                         "small", "large", "white", "black", "color", "circle", "square",
                         "round", "sm", "lg"})
_FEEDBURNER = re.compile(r"/~(?:r|ff)/")  # Feedburner's click-tracking and flare images
_BY = re.compile(r"^by\s+", re.I)
# The root's end tag, then only comments, each matched one way only (its text holds no
# "-->"): with `<!--.*?-->`, 30 comments and a stray byte at the end took minutes to refuse.
_ENDS_WITH_ROOT = re.compile(rb"</(?:\w+:)?(?:rss|feed|RDF)>\s*(?:<!--(?:[^-]|-(?!->))*-->\s*)*\Z")


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
    """Parse `data` as a feed; SourceUnavailable when it is not one (HTML page, garbage, cut)
    or has more tags than a feed has (news.feed_bytes: feedparser's time per element)."""
    if (why := too_many_tags(data)) is not None:
        raise SourceUnavailable(f"{source}: not read: {why}")
    data = readable_charrefs(data)
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
    """What feedparser drops or mixes up: all dc:creator values, media:content's
    title/description, and which text came from description, itunes:summary and
    content:encoded (feedparser keeps the first teaser as summary and files a second
    one under content, before content:encoded)."""

    creators: tuple[str, ...]
    media: tuple[dict[str, str], ...]
    teasers: tuple[str, ...] = ()  # description, then itunes:summary, as present
    content: str | None = None  # content:encoded


def _inner(el: ElementTree.Element) -> str:
    """An element's content as feedparser reads it: its text, or its markup if it has children."""
    return (el.text or "") + "".join(ElementTree.tostring(c, encoding="unicode") for c in el)


def _raw_items(data: bytes) -> list[_RawItem] | None:
    """What a strict read of `data` finds in each item, or None when it is not well-formed XML
    (or is nested too deep to serialise: feedparser's values are used then)."""
    if b"<!ENTITY" in data:  # no entity expansion games in the strict reader
        return None
    try:
        return _read_raw_items(ElementTree.fromstring(data))
    except (ElementTree.ParseError, ValueError, RecursionError):
        return None


def _read_raw_items(root: ElementTree.Element) -> list[_RawItem]:
    items = []
    for item in root.iter("item"):
        creators = tuple(el.text or "" for el in item.iter(_DC_CREATOR))
        media = []
        for el in item.iter():
            if isinstance(el.tag, str) and _MRSS in el.tag and el.tag.endswith("}content"):
                entry = {k: v for k, v in el.attrib.items() if k in _MEDIA_ATTRS}
                for child in el:
                    name = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
                    if name in ("title", "credit", "description") and name not in entry:
                        entry[name] = child.text or ""
                media.append(entry)
        teasers = tuple(_inner(el) for el in (item.find("description"), item.find(_ITUNES_SUMMARY))
                        if el is not None)
        encoded = item.find(_CONTENT_ENCODED)
        items.append(_RawItem(tuple(c for c in creators if c.strip()), tuple(media), teasers,
                              _inner(encoded) if encoded is not None else None))
    return items


def _authors(entry: Any, raw: _RawItem | None) -> tuple[str, ...]:
    names: list[str] = list(raw.creators) if raw and raw.creators else []
    if not names:
        names = [str(a.get("name") or "") for a in entry.get("authors") or []
                 if isinstance(a, dict)]
    if not any(names) and entry.get("author"):
        names = [str(entry.get("author"))]
    unique: dict[str, None] = {}
    for name in names:
        name = _BY.sub("", plain(name, max_chars=120))
        if name:
            unique[name] = None
            if len(unique) == MAX_AUTHORS:
                break
    return tuple(unique)


def _is_image(media: dict) -> bool:
    return media.get("medium") == "image" or str(media.get("type", "")).startswith("image/")


def _number(text: object) -> float | None:
    match = _SIZE.match(text) if isinstance(text, str) else None
    return float(match.group(1)) if match else None


def is_decorative_image(url: str, *, width: object = "", height: object = "", alt: str = "",
                        style: str = "", classes: str = "", size: object = "") -> bool:
    """True for what must never be a story's lead image: spacers and tracking pixels
    (tiny width/height attributes or byte size, names such as spacer.gif or 1x1.gif,
    tracking hosts) and share or emoji icons (facebook.png, twitter-32.png, files under
    /social/ or /share/, "Share on ..." alt text, emoji classes)."""
    sides = [n for n in (_number(width), _number(height)) if n is not None]
    sides += [float(n) for n in _STYLE_SIZE.findall(style)]
    if any(n < MIN_IMAGE_SIDE for n in sides) or _STYLE_HIDDEN.search(style):
        return True
    length = _number(size)
    if (length is not None and 0 < length < MIN_IMAGE_BYTES) or _SHARE_ALT.match(alt):
        return True
    if _ICON_CLASSES.intersection(classes.lower().split()):
        return True
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return True
    if _TRACKING_HOSTS.intersection(re.split(r"[.-]", host)):
        return True
    folder, _, name = parts.path.lower().rpartition("/")
    folders = set(_WORD.findall(folder))
    if _SHARE_WORDS.intersection(folders) or _FEEDBURNER.search(parts.path):
        return True
    words = [w for w in _WORD.findall(name.rsplit(".", 1)[0]) if not w.isdigit()]
    if words and all(w in _SPACER_WORDS for w in words):
        return True
    named = [w for w in words if w not in _ICON_WORDS]  # "twitter-32", "fb_icon", "share"
    return bool(named) and all(w in _BRANDS for w in named)


def _feed_image(entry: Any, raw: _RawItem | None, link: str) -> StoryImage | None:
    """The first real image the feed names: media:content, image enclosures, media:thumbnail."""
    if raw is not None:
        media_list: list[dict] = list(raw.media)
    else:
        credit = entry.get("media_credit") or [{}]
        media_list = [dict(m, credit=(credit[0] or {}).get("content", "") if i == 0 else "")
                      for i, m in enumerate(entry.get("media_content") or [])
                      if isinstance(m, dict)]
    for media in media_list:
        url = web_url(media.get("url"), link)
        if url and _is_image(media) and not is_decorative_image(
                url, width=media.get("width"), height=media.get("height"),
                size=media.get("fileSize") or media.get("filesize")):
            caption = plain(media.get("title") or "") or plain(media.get("description") or "")
            return StoryImage(url, caption, plain(media.get("credit") or ""))
    for enclosure in entry.get("enclosures") or []:
        if str(enclosure.get("type", "")).startswith("image/"):
            url = web_url(enclosure.get("href"), link)
            if url and not is_decorative_image(url, size=enclosure.get("length")):
                return StoryImage(url)
    for thumb in entry.get("media_thumbnail") or []:
        thumb = thumb if isinstance(thumb, dict) else {}
        url = web_url(thumb.get("url"), link)
        if url and not is_decorative_image(url, width=thumb.get("width"),
                                           height=thumb.get("height")):
            return StoryImage(url)
    return None


def _lead(entry: Any, raw: _RawItem | None, body: HtmlText,
          link: str) -> tuple[StoryImage | None, int | None]:
    """The lead image and the index of its figure in `body`, whose caption and credit it
    takes when the feed gives none. An image the feed names goes with the body's first
    real image only when that one sits in a figure opening the body (the same lead art)."""
    image = _feed_image(entry, raw, link)
    if image is not None and not (body.figures and body.figures[0].leading):
        return image, None
    for img in body.images:
        url = web_url(img.src, link)
        if not url or is_decorative_image(url, width=img.width, height=img.height, alt=img.alt,
                                          style=img.style, classes=img.classes):
            continue
        fig = body.figures[img.figure] if img.figure is not None else None
        if image is None:  # the body's image leads; its figure's caption beats its alt text
            return StoryImage(url, fig.caption if fig and fig.caption else img.alt,
                              fig.credit if fig else ""), img.figure
        if fig is None or not fig.leading:
            break
        return StoryImage(image.url, image.caption or fig.caption,
                          image.credit or fig.credit), img.figure
    return image, None


def _content_html(entry: Any, raw: _RawItem | None) -> str:
    """content:encoded as the strict read found it; else feedparser's longest content (a
    second teaser may sit there too)."""
    if raw is not None and raw.content is not None:
        return raw.content
    teasers = {t.strip() for t in raw.teasers} if raw else set()
    values = [str(c.get("value") or "") for c in entry.get("content") or []
              if isinstance(c, dict)]
    return max((v for v in values if v.strip() not in teasers), key=len, default="")


def _teaser(entry: Any, raw: _RawItem | None, content: str) -> str:
    """The fuller (as plain text) of description and itunes:summary; feedparser keeps only one
    and copies content:encoded into summary when there is neither."""
    parsed = str(entry.get("summary") or "")
    candidates = list(dict.fromkeys(t for t in (*(raw.teasers if raw else ()), parsed)
                                    if t.strip() != content.strip())) or [""]
    if len(candidates) == 1:
        return candidates[0]
    texts = [plain(t, max_chars=MAX_BODY_CHARS) for t in candidates]
    return candidates[max(range(len(texts)), key=lambda i: (len(texts[i]), -i))]


def _story(entry: Any, raw: _RawItem | None, max_body_chars: int,
           where: str = "RSS item") -> Story | None:
    link = web_url(entry.get("link"))
    content = _content_html(entry, raw)
    teaser = _teaser(entry, raw, content)
    html = html_to_text(content or teaser, max_chars=max_body_chars, source=where)
    image, figure = _lead(entry, raw, html, link)
    body = html.without_figure(figure)
    summary = plain(teaser, max_chars=MAX_SUMMARY_CHARS)
    if not summary and body:
        summary = plain(body[0], max_chars=MAX_SUMMARY_CHARS)
    title = plain(str(entry.get("title") or ""))
    if not (title or summary or body):
        return None
    authors = _authors(entry, raw)
    return Story(
        title=title,
        url=link,
        published=when(entry.get("published_parsed")),
        updated=when(dict.get(entry, "updated_parsed")),  # entry.get falls back to published
        authors=authors,
        byline=byline(authors),
        image=image,
        summary=summary,
        body=body,
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
    for i, entry in enumerate(entries):
        try:
            story = _story(entry, raws[i] if raws else None, max_body_chars, f"{source} item {i}")
        except Exception as err:  # noqa: BLE001 - odd shapes: the item goes, not the feed
            log.info("%s: item %d dropped (%s: %s)", source, i, type(err).__name__, _short(err))
            continue
        if story is not None:
            stories.append(story)
    stories.sort(key=lambda s: s.published.timestamp() if s.published else float("-inf"),
                 reverse=True)
    return stories[:max_stories]
