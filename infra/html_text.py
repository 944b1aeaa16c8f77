"""HTML to plain-text paragraphs, with a real HTML parser (stdlib html.parser).

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
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
_FIGURE_CLASSES = frozenset({"figure", "wp-caption"})
MAX_IMAGES = 50
# Control characters (C0 except tab/newline, DEL, C1), bidi overrides, zero-width marks.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
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


class _Extractor(HTMLParser):
    def __init__(self, max_chars: int) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.images: list[HtmlImage] = []
        self.figures: list[dict] = []
        self._roles: list[list] = []  # [tag, role, figure, nested same tags] of open figure parts
        self._buf: list[str] = []
        self._prefix = ""
        self._drop: list[str] = []
        self._left = max_chars
        self.full = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]],
                        closed: bool = False) -> None:
        if self._drop:
            if tag == self._drop[0]:
                self._drop.append(tag)
            return
        if tag in _DROP:
            self._drop.append(tag)
            return
        classes = next((v or "" for k, v in attrs if k == "class"), "")
        if self._roles or classes or tag == "figure":
            self._open_part(tag, classes, closed or tag in _VOID)
        if tag == "br":
            self._buf.append("\n")
        elif tag == "img":
            a = {k: (v or "") for k, v in attrs}
            src = a.get("src", "").strip()
            if not src or src.startswith("data:"):  # lazy loading: the real file is elsewhere
                src = (a.get("data-src") or a.get("data-lazy-src") or src).strip()
            if src and len(self.images) < MAX_IMAGES:
                self.images.append(HtmlImage(
                    src, clean_text(a.get("alt", "")), a.get("width", "").strip(),
                    a.get("height", "").strip(), a.get("style", ""), classes,
                    self._figure()))
        elif tag in _CELL:
            self._buf.append(" ")
        elif tag in _BLOCK:
            self._flush()
            if tag == "li":
                self._prefix = BULLET

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _DROP:  # <iframe/> opens nothing
            self.handle_starttag(tag, attrs, closed=True)

    def _figure(self) -> int | None:
        return next((r[2] for r in reversed(self._roles) if r[1] == "figure"), None)

    def _open_part(self, tag: str, classes: str, closed: bool) -> None:
        """Track figures and their caption and credit elements, matching end tags by
        counting nested elements of the same tag."""
        tokens = classes.lower().split()
        figure = self._figure()
        role = None
        if figure is None:
            if tag == "figure" or _FIGURE_CLASSES.intersection(tokens):
                role = "figure"
        elif any(t == "credit" or t.endswith(("-credit", "_credit")) for t in tokens):
            role = "credit"
        elif tag == "figcaption" or any(t == "caption" or t.endswith(("-caption", "-caption-text"))
                                        for t in tokens):
            role = "caption"
        if role is None:
            if not closed:
                for entry in reversed(self._roles):
                    if entry[0] == tag:
                        entry[3] += 1
                        break
            return
        if closed:
            return
        self._flush()
        if role == "figure":
            figure = len(self.figures)
            self.figures.append({"caption": [], "credit": [], "paragraphs": [],
                                 "leading": not self.paragraphs})
        self._roles.append([tag, role, figure, 0])

    def _close_part(self, tag: str) -> None:
        for i in range(len(self._roles) - 1, -1, -1):
            if self._roles[i][0] == tag:
                if self._roles[i][3]:
                    self._roles[i][3] -= 1
                else:
                    self._flush()
                    del self._roles[i:]
                return

    def handle_endtag(self, tag: str) -> None:
        if self._drop:
            if tag == self._drop[0]:
                self._drop.pop()
            return
        self._close_part(tag)
        if tag in _BLOCK:
            self._flush()
            if tag in ("li", "ul", "ol"):  # an item without text (a share button) has no bullet
                self._prefix = ""
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
        role = self._roles[-1] if self._roles else None
        if role is not None and role[1] != "figure":
            figure = self.figures[role[2]]
            figure[role[1]].append(clean_text(text))
            figure["paragraphs"].append(len(self.paragraphs))
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
