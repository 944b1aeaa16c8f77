"""HTML to plain-text paragraphs, with a real HTML parser (stdlib html.parser).

Remote HTML is untrusted: scripts, styles, frames, forms and SVG are dropped with
their content, entities are decoded, whitespace is normalised, control characters
are removed. The result is plain text; Kivy markup such as ``[b]`` is ordinary
text here and stays as it is (the UI escapes it when it displays it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

MAX_HTML_CHARS = 2_000_000
MAX_TEXT_CHARS = 100_000
MAX_PLAIN_CHARS = 2_000
BULLET = "• "
ELLIPSIS = "…"

_BLOCK = frozenset({
    "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul",
})
_DROP = frozenset({
    "script", "style", "iframe", "noscript", "svg", "form", "template", "object", "embed",
    "head", "title", "math", "select", "textarea", "button", "audio", "video", "canvas",
})
_CELL = frozenset({"td", "th"})
# Control characters (C0 except tab/newline, DEL, C1), bidi overrides, zero-width marks.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"[^\S\n]+")
_BREAKS = re.compile(r"\n\s*\n")
_OPEN_TAG = re.compile(r"<[a-zA-Z/!?]")


@dataclass(frozen=True)
class HtmlText:
    """Paragraphs of plain text (a paragraph may hold single newlines from <br>)."""

    paragraphs: tuple[str, ...]
    first_image: tuple[str, str] | None = None  # (src, alt) of the first <img>, for lead images


def clean_text(text: str) -> str:
    """Collapse whitespace (newlines included) and drop control characters."""
    return " ".join(_CONTROL.sub("", text).split())


class _Extractor(HTMLParser):
    def __init__(self, max_chars: int) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.first_image: tuple[str, str] | None = None
        self._buf: list[str] = []
        self._prefix = ""
        self._drop: list[str] = []
        self._left = max_chars
        self.full = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._drop:
            if tag == self._drop[0]:
                self._drop.append(tag)
            return
        if tag in _DROP:
            self._drop.append(tag)
            return
        if tag == "br":
            self._buf.append("\n")
        elif tag == "img":
            if self.first_image is None:
                a = {k: (v or "") for k, v in attrs}
                src = a.get("src", "").strip()
                if src:
                    self.first_image = (src, clean_text(a.get("alt", "")))
        elif tag in _CELL:
            self._buf.append(" ")
        elif tag in _BLOCK:
            self._flush()
            if tag == "li":
                self._prefix = BULLET

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _DROP:  # <iframe/> opens nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self._drop:
            if tag == self._drop[0]:
                self._drop.pop()
            return
        if tag in _BLOCK:
            self._flush()
        elif tag == "br":  # "</br>" is read as <br> by browsers too
            self._buf.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._drop and not self.full:  # source newlines are spaces; <br> makes lines
            self._buf.append(data.replace("\r", " ").replace("\n", " "))

    def _flush(self) -> None:
        raw = _CONTROL.sub("", "".join(self._buf))
        self._buf = []
        for chunk in _BREAKS.split(raw):
            lines = [_SPACES.sub(" ", line).strip() for line in chunk.split("\n")]
            text = "\n".join(line for line in lines if line)
            if text:
                self._emit(self._prefix + text)
                self._prefix = ""

    def _emit(self, text: str) -> None:
        if self.full:
            return
        if len(text) > self._left:
            text = text[: max(self._left - 1, 0)].rstrip() + ELLIPSIS
            self.full = True
        self._left -= len(text)
        self.paragraphs.append(text)

    def finish(self) -> None:
        if _OPEN_TAG.match(self.rawdata):  # a tag cut off at the end: browsers drop it too
            self.rawdata = ""
        self.close()
        self._drop = []
        self._flush()


def html_to_text(html: str, *, max_chars: int = MAX_TEXT_CHARS) -> HtmlText:
    """Paragraphs of `html` as plain text, at most about `max_chars` characters in all."""
    parser = _Extractor(max_chars)
    parser.feed(html[:MAX_HTML_CHARS])
    parser.finish()
    return HtmlText(tuple(parser.paragraphs), parser.first_image)


def plain(text: str, *, max_chars: int = MAX_PLAIN_CHARS) -> str:
    """One line of plain text: tags stripped, entities decoded, whitespace collapsed."""
    text = text[:MAX_HTML_CHARS]
    if "<" not in text:
        text = unescape(text)
    if _OPEN_TAG.search(text):  # markup, or markup escaped twice (&lt;b&gt;) and now decoded
        text = " ".join(html_to_text(text, max_chars=max_chars).paragraphs)
    text = clean_text(text)
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + ELLIPSIS
    return text
