"""Station website discovery: what a Grove homepage says about its streams, guide and feeds.

Read with a real HTML parser (html.parser): the Composer id from
`data-stream-ucsid`, stream URLs from `<ps-stream-url data-stream-url=...>`
(any element carrying data-stream-url), RSS feeds from
`<link rel="alternate" type="application/rss+xml">` and from links to
`/<section>.rss`, `/tags/<slug>.rss` or `/podcast/<show>/rss.xml`, the name from
`og:site_name` or `<title>`. The page is untrusted: every URL is resolved
against the page and kept only if it is a safe http(s) URL; text is plain.
`schedule_source` uses it to find the guide of a station whose catalogue entry
has none (KCUR publishes its Composer id only in its website's player markup).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from infra.html_text import clean_text
from infra.http import Fetched, HttpClient
from infra.urls import url_problem
from player.stations import ScheduleSource, Station

MAX_ITEMS = 20
WEBSITE = "Station website"
_UCS = re.compile(r"[0-9a-f]{24}")


@dataclass(frozen=True)
class Discovery:
    name: str
    homepage: str
    streams: tuple[str, ...]
    ucs: str | None
    feeds: tuple[str, ...]

    def to_json(self) -> dict:
        return {"name": self.name, "homepage": self.homepage, "streams": list(self.streams),
                "ucs": self.ucs, "feeds": list(self.feeds)}


def _is_feed_path(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(".rss") or path.endswith("/rss.xml")


class _Scanner(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.ucs: str | None = None
        self.streams: list[str] = []
        self.alternates: list[str] = []
        self.linked_feeds: list[str] = []
        self.site_name = ""
        self.title = ""
        self._in_title = False

    def _url(self, value: str | None) -> str | None:
        if not value:
            return None
        try:
            url = urljoin(self.base, value.strip())
        except ValueError:
            return None
        return url if url_problem(url) is None else None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v for k, v in attrs if v is not None}
        ucs = a.get("data-stream-ucsid", "").strip().lower()
        if self.ucs is None and _UCS.fullmatch(ucs):
            self.ucs = ucs
        if (stream := self._url(a.get("data-stream-url"))) is not None:
            self.streams.append(stream)
        rel = a.get("rel", "").lower().split()
        if tag == "link" and "alternate" in rel and "rss" in a.get("type", "").lower():
            if (feed := self._url(a.get("href"))) is not None:
                self.alternates.append(feed)
        elif tag in ("a", "link") and (href := self._url(a.get("href"))) is not None:
            if _is_feed_path(href):
                self.linked_feeds.append(href)
        if tag == "meta" and a.get("property", "").lower() == "og:site_name":
            self.site_name = self.site_name or clean_text(a.get("content", ""))[:200]
        if tag == "title" and not self.title:
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = clean_text(self.title + " " + data)[:200]


def _first(urls: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(urls))[:MAX_ITEMS]


def discover(html: str, homepage: str) -> Discovery:
    """What `html` (the page at `homepage`, after redirects) says about the station."""
    scanner = _Scanner(homepage)
    scanner.feed(html)
    scanner.close()
    return Discovery(name=scanner.site_name or scanner.title, homepage=homepage,
                     streams=_first(scanner.streams), ucs=scanner.ucs,
                     feeds=_first(scanner.alternates + scanner.linked_feeds))


def fetch_discovery(http: HttpClient, url: str, source: str = WEBSITE
                    ) -> tuple[Discovery, Fetched]:
    """Fetch the page at `url` (cached; a stale copy when the site is down) and read it."""
    fetched = http.get(url, source=source, check=_looks_like_html)
    return discover(_decode(fetched.content, fetched.content_type), fetched.url), fetched


def schedule_source(http: HttpClient, station: Station) -> ScheduleSource | None:
    """The station's guide source, with its Composer id read from its homepage when needed.

    Some stations (KCUR) publish their Composer id only in their website's player
    markup: their catalogue entry has a schedule without `ucs`. The homepage
    answer is cached by the HTTP layer (one request per cache period; a stale
    copy when the site is down). A site that names no id means no guide (None);
    a site that cannot be read raises SourceUnavailable.
    """
    source = station.schedule
    if source is None or source.ucs is not None:
        return source
    if not station.homepage:
        return None
    found, _ = fetch_discovery(http, station.homepage, f"{station.name} website")
    return replace(source, ucs=found.ucs) if found.ucs else None


def _looks_like_html(content: bytes, content_type: str) -> None:
    if "html" in content_type.lower() or content.lstrip()[:1] == b"<":
        return
    shown = clean_text(content_type.split(";")[0])[:40] or "no content type"
    raise ValueError(f"answered {shown}, not a web page")


def _decode(content: bytes, content_type: str) -> str:
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")
