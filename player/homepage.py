"""What a station's homepage says about it: a pure parser over the page's text (no I/O).

Read with a real HTML parser (libxml2's, through infra.html_events: linear, never raising),
in the shape of NPR's Grove sites: the Composer id from `data-stream-ucsid`, stream URLs
from `<ps-stream-url data-stream-url=...>` (any element carrying data-stream-url), RSS feeds
from `<link rel="alternate" type="application/rss+xml">` and from links to `/<section>.rss`,
`/tags/<slug>.rss` or `/podcast/<show>/rss.xml`, the name from `og:site_name` or `<title>`,
and the donation page: a link whose text, aria-label, title or class says Donate, Support,
Give, Pledge or "Become a member" (Grove sites put one in the header and one in the footer),
a link on the station's own site preferred over a payment provider's, text over attributes,
the first in the page after that. The page is untrusted: every URL is resolved against the
page and kept only if it is a safe http(s) URL; text is plain. Fetching lives elsewhere
(schedule.discover, library.add).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from infra.html_events import scan_html
from infra.html_text import clean_text
from infra.urls import one_line, url_problem

MAX_ITEMS = 20
MAX_SUPPORT_LINKS = 50
MAX_LINK_TEXT = 200
_UCS = re.compile(r"[0-9a-f]{24}")
_SUPPORT_WORDS = re.compile(
    r"(?<![a-z])(?:donate|donations?|support|give|giving|pledge|become a member)(?![a-z])")


@dataclass(frozen=True)
class Discovery:
    name: str
    homepage: str
    streams: tuple[str, ...]
    ucs: str | None
    feeds: tuple[str, ...]
    support: str | None = None  # the station's donation page

    def to_json(self) -> dict:
        """`onair discover --json` (DESIGN.md); `support` is not in that shape (yet)."""
        return {"name": self.name, "homepage": self.homepage, "streams": list(self.streams),
                "ucs": self.ucs, "feeds": list(self.feeds)}


def _is_feed_path(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(".rss") or path.endswith("/rss.xml")


def _site(host: str) -> str:
    """The last two labels of a host name ("www.kcur.org" -> "kcur.org")."""
    return ".".join(host.lower().rstrip(".").split(".")[-2:])


def _says_support(text: str) -> bool:
    return bool(_SUPPORT_WORDS.search(" ".join(re.split(r"[\s_-]+", text.lower()))))


@dataclass
class _Link:
    href: str
    attrs: str  # aria-label, title and class, for the support words
    text: str = ""


class _Scanner:
    """An HtmlHandler (infra.html_events) collecting what the page says."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.ucs: str | None = None
        # The first MAX_ITEMS different URLs of each kind, in page order (a page of a million
        # links costs no more than its parsing), and the first MAX_SUPPORT_LINKS candidates.
        self.streams: dict[str, None] = {}
        self.alternates: dict[str, None] = {}
        self.linked_feeds: dict[str, None] = {}
        self.support_links: list[tuple[str, bool]] = []  # (url, said in the link's text)
        self.site_name = ""
        self.title = ""
        self._in_title = False
        self._link: _Link | None = None

    def _url(self, value: str | None) -> str | None:
        if not value:
            return None
        try:
            url = urljoin(self.base, value.strip())
        except ValueError:
            return None
        return url if url_problem(url) is None else None

    def start(self, tag: str, attrs: Mapping[str, str]) -> None:
        a = {k.lower(): v for k, v in attrs.items()}
        ucs = a.get("data-stream-ucsid", "").strip().lower()
        if self.ucs is None and _UCS.fullmatch(ucs):
            self.ucs = ucs
        if len(self.streams) < MAX_ITEMS and (stream := self._url(a.get("data-stream-url"))):
            self.streams[stream] = None
        rel = a.get("rel", "").lower().split()
        if tag == "link" and "alternate" in rel and "rss" in a.get("type", "").lower():
            if len(self.alternates) < MAX_ITEMS and (feed := self._url(a.get("href"))):
                self.alternates[feed] = None
        elif tag in ("a", "link") and (href := self._url(a.get("href"))) is not None:
            if len(self.linked_feeds) < MAX_ITEMS and _is_feed_path(href):
                self.linked_feeds[href] = None
            if tag == "a":
                self._end_link()
                self._link = _Link(href, " ".join(a.get(k, "") for k in
                                                  ("aria-label", "title", "class")))
        if tag == "meta" and a.get("property", "").lower() == "og:site_name":
            self.site_name = self.site_name or clean_text(a.get("content", ""))[:200]
        if tag == "title" and not self.title:
            self._in_title = True

    def end(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "a":
            self._end_link()

    def data(self, data: str) -> None:
        if self._in_title and len(self.title) < 200:
            self.title = clean_text(self.title + " " + data[:400])[:200]
        if self._link is not None and len(self._link.text) < MAX_LINK_TEXT:
            self._link.text = (self._link.text + " " + data)[:MAX_LINK_TEXT]

    def close(self) -> None:
        self._end_link()

    def _end_link(self) -> None:
        link, self._link = self._link, None
        if link is None or link.href.split("#")[0] == self.base.split("#")[0]:
            return
        if len(self.support_links) >= MAX_SUPPORT_LINKS:
            return
        in_text = _says_support(link.text)
        if in_text or _says_support(link.attrs):
            self.support_links.append((link.href, in_text))

    def support(self) -> str | None:
        """The best donation link: the station's own site first, then said in the link's text,
        then the first in the page."""
        home = _site(urlsplit(self.base).hostname or "")
        ranked = sorted(enumerate(self.support_links), key=lambda item: (
            _site(urlsplit(item[1][0]).hostname or "") != home, not item[1][1], item[0]))
        return ranked[0][1][0] if ranked else None


def _first(urls: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(urls))[:MAX_ITEMS]


def discover(html: str, homepage: str) -> Discovery:
    """What `html` (the page at `homepage`, after redirects) says about the station."""
    scanner = _Scanner(homepage)
    scan_html(html, scanner, source=f"Homepage {one_line(homepage, 80)}")
    scanner.close()
    return Discovery(name=scanner.site_name or scanner.title, homepage=homepage,
                     streams=_first(list(scanner.streams)), ucs=scanner.ucs,
                     feeds=_first([*scanner.alternates, *scanner.linked_feeds]),
                     support=scanner.support())


def looks_like_html(content: bytes, content_type: str) -> None:
    """An HTTP answer check: ValueError(why) unless the answer is a web page."""
    if "html" in content_type.lower() or content.lstrip()[:1] == b"<":
        return
    shown = clean_text(content_type.split(";")[0])[:40] or "no content type"
    raise ValueError(f"answered {shown}, not a web page")


def decode_page(content: bytes, content_type: str) -> str:
    """The page's text, in the charset its Content-Type names (UTF-8 otherwise)."""
    charset = "utf-8"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")
