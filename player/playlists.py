"""Playlist files that "listen" links return, parsed by pure functions over bytes.

PLS (`[playlist]`, `FileN=`), M3U / extended M3U (URL lines, `#` comments) and
HLS detection (`#EXT-X-` tags: a stream for libvlc, not a list of stations).
Entries are kept in playlist order (they are fallback mirrors); entries that are
not http(s) stream URLs are dropped. Input is capped in size and entries.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urljoin, urlsplit

from infra.urls import is_stream_url

PlaylistKind = Literal["pls", "m3u", "hls"]
MAX_PLAYLIST_BYTES = 65536
MAX_ENTRIES = 50

_PLS_FILE = re.compile(r"file(\d{1,6})\s*=\s*(.*)", re.IGNORECASE)
_PLS_TYPES = {"audio/x-scpls", "application/pls+xml", "audio/scpls"}
_M3U_TYPES = {"audio/x-mpegurl", "audio/mpegurl", "application/x-mpegurl",
              "application/vnd.apple.mpegurl", "vnd.apple.mpegurl"}


def _lines(data: bytes) -> list[str]:
    text = data[:MAX_PLAYLIST_BYTES].decode("utf-8", errors="replace")
    return [line.strip() for line in text.lstrip("\ufeff").splitlines()]


def _entry(value: str, base_url: str | None) -> str | None:
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
    entries = [_entry(line, base_url) for line in _lines(data) if line and line[0] != "#"]
    return _keep([e for e in entries if e])


def _extension(url: str) -> str:
    try:
        path = urlsplit(url).path.lower()
    except ValueError:
        return ""
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1] if "." in name else ""


def sniff_playlist(url: str, content_type: str, head: bytes) -> PlaylistKind | None:
    """What the answer of `url` is: "pls", "m3u", "hls", or None (audio, play it directly).

    Content decides first (`#EXT-X-` tags mean HLS, `[playlist]` PLS, `#EXTM3U` M3U),
    then the Content-Type, then the URL's extension; text whose lines are all
    URLs is an M3U without a header."""
    text = head[:MAX_PLAYLIST_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    upper = text[:4096].upper()
    if "#EXT-X-" in upper:
        return "hls"
    if upper.startswith("[PLAYLIST]"):
        return "pls"
    if upper.startswith("#EXTM3U"):
        return "m3u"
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
    if ctype.startswith("text/"):
        lines = [ln for ln in _lines(head) if ln and not ln.startswith("#")]
        if lines and all(is_stream_url(ln) for ln in lines):
            return "m3u"
    return None
