"""Every parser of remote text, what it may raise, its size cap and its time budget; and the
timed call the fuzz suite (tests/test_fuzz_*.py) makes of it.

A parser call gives a result, or the project's own error (infra.errors.OnAirError), or, for
the few functions whose documented contract is a ValueError saying why an HTTP answer is
unusable (the HTTP layer's `check` callbacks: Composer's day_programs/now_programs, the
directory's parse_records, homepage.looks_like_html), that ValueError. Anything else fails
the test, naming the parser and the input's size. Time is this process's CPU time (the
shared test machine's load is not in it), against a budget per call.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from infra import html_text
from infra.errors import OnAirError
from infra.html_text import html_to_text, plain
from infra.http import HttpClient
from infra.images import image_kind, image_size
from library.model import parse_records
from library.playlist_io import parse_csv_text, parse_m3u_text, parse_pls_text
from news.feeds import parse_station_feed
from news.newscast import parse_newscast
from player import playlists
from player.homepage import decode_page, discover
from player.icy import IcyDemuxer, stream_title
from player.xml_playlists import MAX_BYTES as XML_PLAYLIST_CAP
from player.xml_playlists import parse_asx, parse_xspf, xml_kind
from schedule.composer import day_programs, now_programs, parse_day
from tests.support import hostile_inputs as shapes

TZ = ZoneInfo("America/Chicago")
DAY = date(2025, 5, 14)
HOME = "https://www.kcur.org/"
HTML_CAP = html_text.MAX_HTML_CHARS
ANSWER_CAP = inspect.signature(HttpClient).parameters["max_bytes"].default
PLAYLIST_CAP = playlists.MAX_PLAYLIST_BYTES
SMALL_BUDGET_S = 1.0  # CPU seconds for one call on a generated input (a few kB)


def ours(err: BaseException) -> bool:
    return isinstance(err, OnAirError)


def answer_check(*starts: str) -> Callable[[BaseException], bool]:
    """The project's error, or the ValueError of an HTTP `check` contract saying why."""
    return lambda err: ours(err) or (isinstance(err, ValueError) and type(err) is ValueError
                                     and str(err).startswith(starts))


@dataclass(frozen=True)
class Parser:
    name: str
    call: Callable[[object], object]
    cap: int  # the largest input the app hands it (characters or bytes)
    cap_budget_s: float  # CPU seconds for one call on an input at `cap`
    shapes: dict = field(default_factory=dict)  # hostile_inputs: name -> builder(size)
    may_raise: Callable[[BaseException], bool] = ours


def _icy(data: bytes) -> object:
    demuxer = IcyDemuxer(16)
    return [demuxer.feed(data[i:i + 4096]) for i in range(0, len(data), 4096)]


PARSERS = [
    Parser("html_to_text", html_to_text, HTML_CAP, 5.0, shapes.HTML),
    Parser("plain", plain, HTML_CAP, 5.0, {**shapes.PLAIN, **shapes.HTML}),
    Parser("homepage", lambda text: discover(text, HOME), ANSWER_CAP, 10.0, shapes.HOMEPAGE),
    Parser("homepage charset", lambda data: decode_page(data, "text/html; charset=latin-1"),
           ANSWER_CAP, 2.0),
    Parser("composer day", lambda data: parse_day(data, TZ, DAY), ANSWER_CAP, 10.0,
           shapes.COMPOSER_DAY),
    Parser("composer day check", lambda data: day_programs(data, TZ, DAY, "application/json"),
           ANSWER_CAP, 10.0, shapes.COMPOSER_DAY, answer_check("unexpected answer")),
    Parser("composer now", lambda data: now_programs(data, TZ, DAY), ANSWER_CAP, 10.0,
           shapes.COMPOSER_NOW, answer_check("unexpected answer")),
    Parser("station feed", lambda data: parse_station_feed(data, "Fuzz feed"), ANSWER_CAP,
           20.0, shapes.FEED),
    Parser("newscast feed", lambda data: parse_newscast(data, "Fuzz newscast"), ANSWER_CAP,
           20.0, shapes.NEWSCAST),
    Parser("directory records", parse_records, ANSWER_CAP, 10.0, shapes.DIRECTORY,
           answer_check("answered")),
    Parser("pls", playlists.parse_pls, PLAYLIST_CAP, 1.0, shapes.PLS),
    Parser("m3u", playlists.parse_m3u, PLAYLIST_CAP, 1.0, shapes.M3U),
    Parser("sniff playlist", lambda data: playlists.sniff_playlist("http://e.org/x.m3u",
                                                                    "text/html", data),
           PLAYLIST_CAP, 1.0, shapes.M3U),
    Parser("asx", parse_asx, XML_PLAYLIST_CAP, 1.0, shapes.XML_PLAYLIST),
    Parser("xspf", parse_xspf, XML_PLAYLIST_CAP, 1.0, shapes.XML_PLAYLIST),
    Parser("xml playlist kind", xml_kind, XML_PLAYLIST_CAP, 1.0, shapes.XML_PLAYLIST),
    Parser("m3u text", parse_m3u_text, PLAYLIST_CAP, 1.0, shapes.PLAYLIST_TEXT),
    Parser("pls text", parse_pls_text, PLAYLIST_CAP, 1.0, shapes.PLAYLIST_TEXT),
    Parser("csv text", parse_csv_text, PLAYLIST_CAP, 1.0, shapes.PLAYLIST_TEXT),
    Parser("icy title", stream_title, shapes.ICY_BLOCK_BYTES, 1.0, shapes.ICY_BLOCK),
    Parser("icy stream", _icy, ANSWER_CAP, 10.0, shapes.ICY_STREAM),
    Parser("image kind", image_kind, ANSWER_CAP, 1.0),
    Parser("image size", image_size, ANSWER_CAP, 2.0),
]
BY_NAME = {p.name: p for p in PARSERS}
TEXT_INPUT = {"html_to_text", "plain", "homepage", "m3u text", "pls text", "csv text"}


def size_of(data: object) -> str:
    unit = "characters" if isinstance(data, str) else "bytes"
    return f"{len(data)} {unit}" if hasattr(data, "__len__") else type(data).__name__


def parse(parser: Parser | str, data: object, budget_s: float = SMALL_BUDGET_S) -> object:
    """`parser` on `data`: its result, or the error it may raise; the test fails on any other
    exception or when the call takes more than `budget_s` CPU seconds."""
    parser = BY_NAME[parser] if isinstance(parser, str) else parser
    start = time.process_time()
    try:
        result: object = parser.call(data)
    except Exception as err:  # noqa: BLE001 - judged here, with the input's size
        if not parser.may_raise(err):
            pytest.fail(f"{parser.name} raised {type(err).__name__}: {err} "
                        f"(input of {size_of(data)})")
        result = err
    spent = time.process_time() - start
    assert spent <= budget_s, (f"{parser.name} took {spent:.2f} s of CPU on an input of "
                               f"{size_of(data)} (budget {budget_s:g} s)")
    return result
