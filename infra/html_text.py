"""HTML to plain-text paragraphs, with a real HTML parser (libxml2's, infra.html_events).

Remote HTML is untrusted: scripts, styles, frames, forms and SVG are dropped with
their content, entities are decoded, whitespace is normalised, control characters
are removed. The result is plain text; Kivy markup such as ``[b]`` is ordinary
text here and stays as it is (the UI escapes it when it displays it).

Images are listed (src, alt, size attributes, the figure holding them) for the
caller to choose a lead image; figures (`<figure>`, `class="Figure"`, WordPress
`wp-caption`) keep their caption and credit, and which paragraphs repeat them, so
a caller can move the lead figure's caption from the body to the image.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from html import unescape

from infra.html_events import scan_html

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
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
_FIGURE_CLASSES = frozenset({"figure", "wp-caption"})
MAX_IMAGES = 50
# Control characters (C0 except tab/newline, DEL, C1), bidi overrides, zero-width marks, and
# lone surrogates (JSON can carry them; no file or terminal can take them).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff"
                      "\ud800-\udfff]")
_SPACES = re.compile(r"[^\S\n]+")
_BREAKS = re.compile(r"\n\s*\n")
_OPEN_TAG = re.compile(r"<[a-zA-Z/!?]")


@dataclass(frozen=True)
class HtmlImage:
    """An <img> as written: attributes are untrusted text, `figure` indexes HtmlText.figures."""

    src: str
    alt: str = ""
    width: str = ""
    height: str = ""
    style: str = ""
    classes: str = ""
    figure: int | None = None


@dataclass(frozen=True)
class HtmlFigure:
    """A figure's caption and credit (plain text), the indexes of the paragraphs that hold
    them, and whether it came before any paragraph (the story's lead figure)."""

    caption: str = ""
    credit: str = ""
    paragraphs: tuple[int, ...] = ()
    leading: bool = False


@dataclass(frozen=True)
class HtmlText:
    """Paragraphs of plain text (a paragraph may hold single newlines from <br>)."""

    paragraphs: tuple[str, ...]
    images: tuple[HtmlImage, ...] = ()  # in document order, at most MAX_IMAGES
    figures: tuple[HtmlFigure, ...] = ()

    @property
    def first_image(self) -> tuple[str, str] | None:
        """(src, alt) of the first <img>, or None."""
        return (self.images[0].src, self.images[0].alt) if self.images else None

    def without_figure(self, index: int | None) -> tuple[str, ...]:
        """The paragraphs without the caption and credit of figure `index` (None: all)."""
        if index is None or not 0 <= index < len(self.figures):
            return self.paragraphs
        drop = set(self.figures[index].paragraphs)
        return tuple(p for i, p in enumerate(self.paragraphs) if i not in drop)


def clean_text(text: str) -> str:
    """Collapse whitespace (newlines included) and drop control characters."""
    return " ".join(_CONTROL.sub("", text).split())


class _Extractor:
    """An HtmlHandler: paragraphs, images and figures out of balanced events."""

    def __init__(self, max_chars: int) -> None:
        self.paragraphs: list[str] = []
        self.images: list[HtmlImage] = []
        self.figures: list[dict] = []
        # One entry per open element: (role, figure it is in, innermost caption or credit
        # part as (role, figure)); a role is "figure", "caption", "credit" or None.
        self._open: list[tuple[str | None, int | None, tuple[str, int] | None]] = []
        self._buf: list[str] = []
        self._prefix = ""
        self._drop = 0  # depth inside a dropped element
        self._left = max_chars
        self.full = False

    def start(self, tag: str, attrs: Mapping[str, str]) -> None:
        if self._drop or tag in _DROP:
            self._drop += 1
            return
        classes = attrs.get("class") or ""
        self._open_part(tag, classes)
        if tag == "br":
            self._buf.append("\n")
        elif tag == "img":
            src = (attrs.get("src") or "").strip()
            if not src or src.startswith("data:"):  # lazy loading: the real file is elsewhere
                src = (attrs.get("data-src") or attrs.get("data-lazy-src") or src).strip()
            if src and len(self.images) < MAX_IMAGES:
                self.images.append(HtmlImage(
                    src, clean_text(attrs.get("alt") or ""), (attrs.get("width") or "").strip(),
                    (attrs.get("height") or "").strip(), attrs.get("style") or "", classes,
                    self._open[-1][1]))
        elif tag in _CELL:
            self._buf.append(" ")
        elif tag in _BLOCK:
            self._flush()
            if tag == "li":
                self._prefix = BULLET

    def _open_part(self, tag: str, classes: str) -> None:
        """Open the element: a figure, or a figure's caption or credit, or neither."""
        _, figure, part = self._open[-1] if self._open else (None, None, None)
        role = None
        if tag not in _VOID:
            tokens = classes.lower().split()
            if figure is None:
                if tag == "figure" or _FIGURE_CLASSES.intersection(tokens):
                    role = "figure"
            elif any(t == "credit" or t.endswith(("-credit", "_credit")) for t in tokens):
                role = "credit"
            elif tag == "figcaption" or any(
                    t == "caption" or t.endswith(("-caption", "-caption-text")) for t in tokens):
                role = "caption"
        if role is not None:
            self._flush()
        if role == "figure":
            figure, part = len(self.figures), None
            self.figures.append({"caption": [], "credit": [], "paragraphs": [],
                                 "leading": not self.paragraphs})
        elif role is not None:
            part = (role, figure)
        self._open.append((role, figure, part))

    def end(self, tag: str) -> None:
        if self._drop:
            self._drop -= 1
            return
        if self._open:
            if self._open[-1][0] is not None:  # a figure, caption or credit ends here
                self._flush()
            self._open.pop()
        if tag in _BLOCK:
            self._flush()
            if tag in ("li", "ul", "ol"):  # an item without text (a share button) has no bullet
                self._prefix = ""

    def data(self, text: str) -> None:
        if not self._drop and not self.full:  # source newlines are spaces; <br> makes lines
            self._buf.append(text.replace("\r", " ").replace("\n", " "))

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
        part = self._open[-1][2] if self._open else None
        if part is not None:
            figure = self.figures[part[1]]
            figure[part[0]].append(clean_text(text))
            figure["paragraphs"].append(len(self.paragraphs))
        self.paragraphs.append(text)

    def finish(self) -> None:
        self._drop = 0
        self._flush()


def html_to_text(html: str, *, max_chars: int = MAX_TEXT_CHARS,
                 source: str = "HTML text") -> HtmlText:
    """Paragraphs of `html` as plain text, at most about `max_chars` characters in all. A page
    nested too deep is read up to that point (one log line naming `source`)."""
    parser = _Extractor(max_chars)
    scan_html(html[:MAX_HTML_CHARS], parser, source=source)
    parser.finish()
    figures = tuple(HtmlFigure(" ".join(f["caption"]), " ".join(f["credit"]),
                               tuple(f["paragraphs"]), f["leading"]) for f in parser.figures)
    return HtmlText(tuple(parser.paragraphs), tuple(parser.images), figures)


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
