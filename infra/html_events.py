"""Remote HTML as a stream of start, end and data events, from libxml2's HTML parser (lxml).

libxml2 reads any markup (an HTML5 tokenizer: `<![`, unclosed tags, comments and quotes,
stray end tags) without raising, in time linear in the page, with two exceptions this
module closes: an end tag that matches no open element makes libxml2 look through every
open element, so nesting is capped at MAX_DEPTH (a browser caps it too: Chromium at 512)
and a deeper page is read up to that point, with one log line; a single start tag holding
hundreds of thousands of attributes costs more than linear time (hash tables outgrowing the
caches), so a tag is cut at MAX_TAG_CHARS characters; and nothing is fetched
(no network, no DTD, no entities beyond HTML's own). Events are balanced: every start gets
its end, implied ones included (`<p>a<p>b`, an unclosed `<div>` at the end). Tag and
attribute names are lower case; text is decoded (entities included), NUL characters and
lone surrogates are removed first, `</br>` is read as `<br>` (as browsers do).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from typing import Protocol

from lxml import etree

log = logging.getLogger(__name__)

MAX_DEPTH = 512
MAX_TAG_CHARS = 256 * 1024
CHUNK_CHARS = 64 * 1024
# One pass over the page for what the parser must not see: NUL characters and lone
# surrogates (removed), `</br>` (read as `<br>`, as browsers do) and a start tag longer than
# MAX_TAG_CHARS (a run after "<x" without "<" or ">": each run is scanned once, so this is
# linear), cut to that length: libxml2 and lxml keep a tag's attributes in hash tables, which
# grow slower than linearly past a few MB.
_FIX = re.compile(rf"[\x00\ud800-\udfff]|</br\s*>|<[a-zA-Z][^<>]{{{MAX_TAG_CHARS},}}",
                  re.IGNORECASE)


def _fixed(match: re.Match[str]) -> str:
    text = match.group(0)
    if len(text) == 1:
        return ""
    return "<br>" if text[1] == "/" else text[:MAX_TAG_CHARS]


class HtmlHandler(Protocol):
    def start(self, tag: str, attrs: Mapping[str, str]) -> None: ...

    def end(self, tag: str) -> None: ...

    def data(self, text: str) -> None: ...


class _TooDeep(Exception):
    pass


class _Target:
    """lxml's parser target: counts the depth and hands each event on to `handler`."""

    def __init__(self) -> None:
        self.handler: HtmlHandler | None = None
        self.depth = 0

    def start(self, tag: object, attrib: Mapping[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        if isinstance(tag, str) and self.handler is not None:
            self.handler.start(tag, attrib)

    def end(self, tag: object) -> None:
        self.depth -= 1
        if isinstance(tag, str) and self.handler is not None:
            self.handler.end(tag)

    def data(self, text: str) -> None:
        if self.handler is not None:
            self.handler.data(text)

    def close(self) -> None:
        return None


def _new_parser() -> tuple[etree.HTMLParser, _Target]:
    target = _Target()
    return etree.HTMLParser(target=target, encoding="utf-8", no_network=True,
                            remove_comments=True, remove_pis=True, collect_ids=False,
                            default_doctype=False), target


_local = threading.local()


def _parser() -> tuple[etree.HTMLParser, _Target]:
    """This thread's parser, made once (making one costs more than reading a short text):
    a parser in use (a handler that parses again) gives way to a new one."""
    found = getattr(_local, "parser", None)
    if found is None:
        found = _local.parser = _new_parser()
    return found if found[1].handler is None else _new_parser()


def scan_html(html: str, handler: HtmlHandler, *, source: str = "HTML") -> bool:
    """Feed `html` through the parser to `handler`. True when it was read to its end, False
    when it was cut off (nested deeper than MAX_DEPTH, or the parser gave up), with one
    log line naming `source`. Only an exception of `handler` itself is raised."""
    parser, target = _parser()
    target.handler, target.depth = handler, 0
    text = _FIX.sub(_fixed, html)
    try:
        for at in range(0, len(text), CHUNK_CHARS):  # a page cut early is not encoded whole
            parser.feed(text[at:at + CHUNK_CHARS].encode("utf-8"))
        parser.close()
    except _TooDeep:
        _reset(parser)
        log.info("%s: nested deeper than %d elements; the rest is not read", source, MAX_DEPTH)
        return False
    except etree.LxmlError as err:
        _reset(parser)
        log.info("%s: unreadable HTML; the rest is not read (%s)", source, err)
        return False
    except BaseException:
        _reset(parser)
        raise
    finally:
        target.handler = None
    return True


def _reset(parser: etree.HTMLParser) -> None:
    """Close a parser that stopped half-way, so that it starts afresh next time."""
    try:
        parser.close()
    except Exception:  # noqa: BLE001 - what it says about the half-read page is not needed
        pass
