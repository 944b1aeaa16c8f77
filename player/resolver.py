"""Turn a station's stream URLs into the ordered list of URLs libvlc should try.

Decided by the URL first, so a plain stream costs no extra request:
- `.m3u8` (HLS) and known audio extensions (.mp3, .aac, .ogg, .opus, ...) and
  extension-less paths (Icecast mounts such as `/kcur-website-icy`) are played
  as they are, never fetched;
- `.pls` / `.m3u`, a query naming a playlist (`?type=.pls`, `format=m3u`) and any
  other extension (`.php`, `.asx`, ...) are fetched (first 64 KiB, redirects
  followed by the fetcher) and sniffed: a PLS/M3U/ASX/XSPF is expanded in order (nested
  playlists up to `depth` levels, each playlist fetched once), HLS and audio
  answers are played from the URL as given, a web page (HTML by its start or
  text/html) is refused: never a playlist, never audio for libvlc.
Every URL found here is vetted again when libvlc is to open it (player/libvlc_urls.py:
its redirects, at each try). A failing entry or mirror does not stop the others; only
when nothing is left is SourceUnavailable raised, naming the URL or station.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal
from urllib.parse import urlsplit

from infra.errors import OnAirError, SourceUnavailable
from infra.http_types import Fetcher
from infra.urls import check_stream_url, one_line
from player.playlists import MAX_PLAYLIST_BYTES, parse_m3u, parse_pls, sniff_playlist
from player.stations import Station
from player.xml_playlists import parse_asx, parse_xspf, xml_kind

AUDIO_EXTENSIONS = frozenset({"mp3", "aac", "aacp", "adts", "ogg", "oga", "opus", "flac",
                              "m4a", "mp4", "wav", "wma", "nsv"})
PLAYLIST_EXTENSIONS = frozenset({"pls", "m3u"})
_QUERY_HINTS = (".pls", ".m3u", "=pls", "=m3u")
NO_STREAM = "no playable stream"
WEB_PAGE = f"{NO_STREAM}: the server sent a web page"


def _unique(urls: list[str]) -> list[str]:
    return list(dict.fromkeys(urls))


def route(url: str) -> Literal["direct", "hls", "fetch"]:
    """How `url` is handled, from the URL alone (see the module docstring)."""
    parts = urlsplit(url)
    name = parts.path.rsplit("/", 1)[-1].lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if ext == "m3u8":
        return "hls"
    if ext in PLAYLIST_EXTENSIONS or any(h in parts.query.lower() for h in _QUERY_HINTS):
        return "fetch"
    if not ext or ext in AUDIO_EXTENSIONS:
        return "direct"
    return "fetch"


def resolve_stream(url: str, fetch: Fetcher, *, depth: int = 3) -> list[str]:
    """Playable http(s) URLs for `url`, in the order to try them.

    BadInput for an unsafe URL; SourceUnavailable when a playlist cannot be
    fetched, nests deeper than `depth` or holds no playable entry, and when a
    fetched URL answers with a web page (never a playlist, never handed to libvlc)."""
    check_stream_url(url)
    return _resolve(url, fetch, depth, set())


def _resolve(url: str, fetch: Fetcher, depth: int, seen: set[str]) -> list[str]:
    if route(url) != "fetch":
        return [url]
    if depth <= 0:
        raise SourceUnavailable(f'playlist "{one_line(url)}": playlists nested too deep')
    if url in seen:
        return []  # a loop: this playlist is already being expanded
    seen.add(url)
    got = fetch(url, MAX_PLAYLIST_BYTES)
    seen.add(got.final_url)
    xml = xml_kind(got.head)
    kind = xml or sniff_playlist(got.final_url, got.content_type, got.head)
    if kind == "html":
        raise SourceUnavailable(f"{one_line(url)}: {WEB_PAGE}")
    if kind is None or kind == "hls":
        return [url]
    parse = {"pls": parse_pls, "m3u": parse_m3u, "asx": parse_asx, "xspf": parse_xspf}[kind]
    entries = parse(got.head, base_url=got.final_url)
    found: list[str] = []
    problems: list[str] = []
    for entry in entries:
        try:
            found += _resolve(entry, fetch, depth - 1, seen)
        except OnAirError as err:
            problems.append(str(err))
    if not found:
        why = f" ({problems[0]})" if problems else ""
        raise SourceUnavailable(f'playlist "{one_line(url)}": no playable entry{why}')
    return _unique(found)


def lazy_candidates(station: Station,
                    resolve_one: Callable[[str], list[str]]) -> Iterator[str]:
    """The playable URLs of `station`'s mirrors, in catalogue order, without repeats, each
    mirror resolved (`resolve_one(url)`, which may fetch a playlist) only when every URL
    before it has been taken: a first mirror that plays costs nothing for the others.
    A mirror that fails is skipped; SourceUnavailable at the end when none was playable.
    Not thread-safe: advance it from one thread at a time."""
    seen: set[str] = set()
    problems: list[str] = []
    for stream in station.streams:
        try:
            urls = resolve_one(stream.url)
        except OnAirError as err:
            problems.append(str(err))
            continue
        for url in urls:
            if url not in seen:
                seen.add(url)
                yield url
    if not seen:
        why = problems[0] if problems else "no streams"
        if NO_STREAM not in why:
            why = f"{NO_STREAM}: {why}"
        more = f" and {len(problems) - 1} more" if len(problems) > 1 else ""
        raise SourceUnavailable(f'station "{station.id}": {why}{more}')


def stream_candidates(station: Station, fetch: Fetcher) -> list[str]:
    """Every mirror of `station` resolved at once (`lazy_candidates` with playlists expanded
    through `fetch`). The player takes them lazily; this is for listing them all."""
    return list(lazy_candidates(station, lambda url: resolve_stream(url, fetch)))
