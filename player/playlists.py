"""Playlist files that "listen" links return, parsed by pure functions over bytes.

PLS (`[playlist]`, `FileN=`), M3U / extended M3U (URL lines, `#` comments) and
HLS detection (`#EXT-X-` tags: a stream for libvlc, not a list of stations).
Entries are kept in playlist order (they are fallback mirrors); empty entries and
entries that are not http(s) stream URLs are dropped, a Shoutcast ` sid=N` suffix
is cut off. A web page (an error or "listen live" page served where a playlist
was expected) is neither a playlist nor a stream: it yields no entries and sniffs
as "html". Input is capped in size and entries.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urljoin, urlsplit

from infra.urls import is_stream_url

PlaylistKind = Literal["pls", "m3u", "hls"]
Answer = Literal[PlaylistKind, "html"]  # "html": a web page, nothing to play
MAX_PLAYLIST_BYTES = 65536
MAX_ENTRIES = 50

_PLS_FILE = re.compile(r"file(\d{1,6})\s*=\s*(.*)", re.IGNORECASE)
# A run of spaces is tried from its first space only (the lookbehind): a line of spaces
# without a sid stays linear.
_SHOUTCAST_SID = re.compile(r"(?:\A|(?<!\s)\s+)sid=\d{1,6}\Z", re.IGNORECASE)
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body)[\s>/]", re.IGNORECASE)
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_HTML_SNIFF_CHARS = 1024
_PLS_TYPES = {"audio/x-scpls", "application/pls+xml", "audio/scpls"}
_M3U_TYPES = {"audio/x-mpegurl", "audio/mpegurl", "application/x-mpegurl",
              "application/vnd.apple.mpegurl", "vnd.apple.mpegurl"}


def _lines(data: bytes) -> list[str]:
    text = data[:MAX_PLAYLIST_BYTES].decode("utf-8", errors="replace")
    return [line.strip() for line in text.lstrip("\ufeff").splitlines()]


def is_web_page(content_type: str, head: bytes) -> bool:
    """True when an answer is an HTML page: by its start (doctype, <html>, <head> or
    <body> near the beginning, after a BOM, whitespace, comments or an XML declaration),
    or by a text/html Content-Type unless the body is a playlist after all (a PLS or
    M3U header, or nothing but stream URLs: scripts that forget their Content-Type)."""
    text = head[:MAX_PLAYLIST_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("<") and _HTML_START.search(text[:_HTML_SNIFF_CHARS]):
        return True
    if content_type.split(";", 1)[0].strip().lower() not in _HTML_TYPES:
        return False
    return not (text[:16].upper().startswith(("[PLAYLIST]", "#EXTM3U")) or _url_lines(head))


def _entry(value: str, base_url: str | None) -> str | None:
    value = _SHOUTCAST_SID.sub("", value.strip())
    if not value or "<" in value or ">" in value:  # "File26=" would resolve to the base URL
        return None
    if base_url and not urlsplit(value).scheme:
        try:
            value = urljoin(base_url, value)
        except ValueError:
            return None
    return value if is_stream_url(value) else None


def _keep(entries: list[str]) -> list[str]:
    """Without repeats, in first-seen order, capped."""
    return list(dict.fromkeys(entries))[:MAX_ENTRIES]


def parse_pls(data: bytes, base_url: str | None = None) -> list[str]:
    """The FileN entries in N order (ties in file order). Title/Length/NumberOfEntries
    and junk lines are ignored; relative entries resolve against `base_url` if given."""
    if is_web_page("", data):
        return []
    found: list[tuple[int, int, str]] = []
    for pos, line in enumerate(_lines(data)):
        match = _PLS_FILE.fullmatch(line)
        if match:
            url = _entry(match.group(2).strip(), base_url)
            if url:
                found.append((int(match.group(1)), pos, url))
    return _keep([url for _, _, url in sorted(found)])


def parse_m3u(data: bytes, base_url: str | None = None) -> list[str]:
    """The URL lines of an (extended) M3U in order; comments and #EXTINF skipped,
    relative entries resolved against `base_url` (the playlist's own URL)."""
    if is_web_page("", data):
        return []
    entries = [_entry(line, base_url) for line in _lines(data) if line and line[0] != "#"]
    return _keep([e for e in entries if e])


def _extension(url: str) -> str:
    try:
        path = urlsplit(url).path.lower()
    except ValueError:
        return ""
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if "." in name else ""


def sniff_playlist(url: str, content_type: str, head: bytes) -> Answer | None:
    """What the answer of `url` is: "pls", "m3u", "hls", "html" (a web page: nothing
    to play) or None (audio, play it directly).

    Content decides first (`#EXT-X-` tags mean HLS, `[playlist]` PLS, `#EXTM3U` M3U,
    an HTML start a web page), then the Content-Type (text/html: a web page, unless
    every line is a stream URL), then the URL's extension; text whose lines are all
    URLs is an M3U without a header."""
    text = head[:MAX_PLAYLIST_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    upper = text[:4096].upper()
    if upper.startswith("[PLAYLIST]"):
        return "pls"
    if upper.startswith("#EXTM3U"):
        return "hls" if "#EXT-X-" in upper else "m3u"
    if is_web_page(content_type, head):
        return "html"
    if "#EXT-X-" in upper:
        return "hls"
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype in _PLS_TYPES:
        return "pls"
    if ctype in _M3U_TYPES:
        return "hls" if _extension(url) == "m3u8" else "m3u"
    ext = _extension(url)
    if ext == "pls":
        return "pls"
    if ext == "m3u8":
        return "hls"
    if ext == "m3u":
        return "m3u"
    if ctype.startswith("text/") and _url_lines(head):
        return "m3u"
    return None


def _url_lines(head: bytes) -> bool:
    """Every non-comment line is an absolute stream URL (an M3U without its header)."""
    lines = [ln for ln in _lines(head) if ln and not ln.startswith("#")]
    return bool(lines) and all(is_stream_url(ln) for ln in lines)
