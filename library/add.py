"""New stations from what a listener has: a stream or playlist URL, a station's website, or a
directory record. Each gives a Station to hand to UserCatalogue.add (which makes its id unique).

- A stream URL is checked before it is added: its first bytes are fetched (uncached, through
  the Fetcher the player's resolver uses); a web page is refused (add the station by its
  website instead); a playlist is expanded through player.resolver.resolve_stream and its
  entries tried in order until one answers with something that is not a web page. The URL as
  given is what is stored (a playlist's edge hosts change; the player resolves it each time).
- A website is read by player.homepage's parser: its live streams (mirrors, in page order),
  its Composer id (the schedule, at once), its first feed (the news) and its donation page.
  A site without a live stream is SourceUnavailable.
- A directory record gives name, stream, homepage, tags (the tagline), state and country (the
  city line), codec and bitrate, and its uuid (so its first play can be counted). Schedule,
  news and support come later from its homepage: `enrich_from_homepage`, which the CLI runs
  at once (a site that cannot be read is a note, the station is added all the same) and the
  GUI runs on its background lane before `UserCatalogue.update`.
The station's time zone is never published in these sources: the listener's own is used.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from infra.errors import BadInput, OnAirError, SourceUnavailable
from infra.http_types import FetchedHead, Fetcher
from infra.urls import check_stream_url, one_line, url_problem
from library.model import DirectoryStation
from library.playlist_io import parse_m3u_text, parse_pls_text
from library.user_catalogue import clean_name, name_from_url, new_station
from player.homepage import Discovery, decode_page, discover, looks_like_html
from player.playlists import sniff_playlist
from player.resolver import WEB_PAGE, resolve_stream
from player.stations import ScheduleSource, Station

if TYPE_CHECKING:
    from infra.http import HttpClient

PROBE_BYTES = 16384
WEBSITE = "Station website"
_FORMATS = {"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/aac": "aac", "audio/aacp": "aac",
            "audio/x-aac": "aac", "audio/ogg": "ogg", "application/ogg": "ogg",
            "audio/opus": "opus", "audio/flac": "flac"}
_CODECS = {"mp3": "mp3", "aac": "aac", "aac+": "aac", "he-aac": "aac", "ogg": "ogg",
           "vorbis": "ogg", "opus": "opus", "flac": "flac"}


def _format(head: FetchedHead, kind: str | None) -> str | None:
    if kind == "hls":
        return "hls"
    return _FORMATS.get(head.content_type.split(";", 1)[0].strip().lower())


def _web_page(url: str) -> BadInput:
    return BadInput(f'"{one_line(url)}" is a web page, not a stream or a playlist: add the '
                    "station by its website instead")


def _playlist_title(head: FetchedHead, kind: str) -> str | None:
    text = decode_page(head.head, head.content_type)
    try:
        parsed = parse_pls_text(text) if kind == "pls" else parse_m3u_text(text)
    except BadInput:
        return None
    return next((e.name for e in parsed.entries if e.name), None)


def _first_playable(url: str, urls: list[str], fetch: Fetcher) -> tuple[str, str | None]:
    """The first of `urls` that answers with no web page, and its format."""
    problems: list[str] = []
    for candidate in urls:
        try:
            head = fetch(candidate, PROBE_BYTES)
        except OnAirError as err:
            problems.append(str(err))
            continue
        kind = sniff_playlist(head.final_url, head.content_type, head.head)
        if kind == "html":
            problems.append(f"{one_line(candidate)}: {WEB_PAGE}")
            continue
        return candidate, _format(head, kind)
    why = f" ({problems[0]})" if problems else ""
    raise SourceUnavailable(f'playlist "{one_line(url)}": no playable entry{why}')


def station_from_stream(url: str, name: str | None, fetch: Fetcher) -> Station:
    """A station playing `url` (a stream or a playlist), named `name` (else the playlist's
    first title, else the URL's host and path). BadInput for an unsafe URL or a web page;
    SourceUnavailable when it cannot be reached or nothing in it plays."""
    check_stream_url(url)
    head = fetch(url, PROBE_BYTES)
    kind = sniff_playlist(head.final_url, head.content_type, head.head)
    if kind == "html":
        raise _web_page(url)
    title = None
    fmt = _format(head, kind)
    if kind in ("pls", "m3u"):
        title = _playlist_title(head, kind)
        _, fmt = _first_playable(url, resolve_stream(url, fetch), fetch)
    chosen = clean_name(name or "") or clean_name(title or "") or name_from_url(url)
    return new_station(chosen, [url], formats=[fmt])


def _from_discovery(found: Discovery) -> dict:
    return {"schedule": ScheduleSource("composer", found.ucs) if found.ucs else None,
            "news_feed": found.feeds[0] if found.feeds else None, "support": found.support}


def _read_homepage(http: HttpClient, url: str, source: str) -> Discovery:
    fetched = http.get(url, source=source, check=looks_like_html)
    return discover(decode_page(fetched.content, fetched.content_type), fetched.url)


def station_from_homepage(http: HttpClient, url: str) -> Station:
    """A station from its website: streams, schedule (Composer id), news (first feed),
    donation page. BadInput for a URL that is not http(s); SourceUnavailable when the site
    cannot be read, is no web page, or shows no live stream."""
    problem = url_problem(url)
    if problem is not None:
        raise BadInput(f'homepage URL "{one_line(str(url))}": {problem}')
    found = _read_homepage(http, url, WEBSITE)
    if not found.streams:
        raise SourceUnavailable(f"{WEBSITE}: no live stream found on the page "
                                f"({one_line(found.homepage, 200)})")
    name = found.name or name_from_url(found.homepage)
    return new_station(name, list(found.streams), homepage=found.homepage,
                       **_from_discovery(found))


def station_from_directory(record: DirectoryStation) -> Station:
    """A station from a Radio Browser record (already made safe by library.model): its
    stream, homepage, tags, place, codec, bitrate and uuid. No schedule, news or support yet:
    see `enrich_from_homepage`."""
    check_stream_url(record.url)
    codec = record.codec.strip().lower()
    fmt = "hls" if record.hls else _CODECS.get(codec)
    return new_station(record.name, [record.url], formats=[fmt], homepage=record.homepage,
                       tagline=", ".join(record.tags),
                       city=", ".join(p for p in (record.state, record.country) if p),
                       bitrate=record.bitrate, directory_uuid=record.id)


def enrich_from_homepage(http: HttpClient, station: Station) -> Station:
    """`station` with the schedule, news feed and donation page its homepage tells, where it
    has none yet (the homepage is fetched through the HTTP cache). Unchanged when it has no
    http(s) homepage; SourceUnavailable when the site cannot be read."""
    if not station.homepage or url_problem(station.homepage) is not None:
        return station
    found = _read_homepage(http, station.homepage, f"{station.name} website")
    extra = _from_discovery(found)
    return replace(station, schedule=station.schedule or extra["schedule"],
                   news_feed=station.news_feed or extra["news_feed"],
                   support=station.support or extra["support"])
