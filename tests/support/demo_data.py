"""The offline demo's data: two stations, today's schedule, stories, images and a newscast.

Shared by `scripts/demo.py` (`make demo`) and the tests. `DemoSite` is a loopback
HTTP server (stdlib, one thread per request) answering in the real shapes: NPR
Composer `/v1/widget/{ucs}/day` and `/now` (built with metadata_server's payload
builders, computed per request so on-now stays live), station RSS feeds with lead
images, and an NPR News Now feed whose enclosure is a short MP3 served with byte
ranges (seekable).
`demo_catalogue` writes the DESIGN.md catalogue pointing at it and at the streams.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from schedule.guide import on_now, up_next
from schedule.model import Program
from tests.support.feeds import (
    KANSAS_CITY_STORIES,
    NEW_YORK_STORIES,
    demo_stories,
    newscast_item,
    newscast_rss,
    station_rss,
    tiny_png,
)
from tests.support.metadata_server import Airing, day_payload, now_payload

SLOT = timedelta(minutes=15)  # short programs: a boundary passes during a demo


@dataclass(frozen=True)
class DemoStation:
    id: str
    name: str
    tagline: str
    city: str
    timezone: str
    ucs: str
    mount: str  # Icecast mount of its stream
    colour: str  # logo colour
    programs: tuple[tuple[str, tuple[str, ...]], ...]  # (title, hosts) cycled through the day


STATIONS = (
    DemoStation("demo-news", "KDMO 90.1", "Demo news and talk", "Kansas City, MO",
                "America/Chicago", "5187f4b3e1c8d1e2a3b4c5d6", "/a.mp3", "#e8a33d", (
                    ("Morning Edition", ("Steve Inskeep", "Leila Fadel")),
                    ("Up To Date", ("Steve Kraske",)),
                    ("1A", ("Jenn White",)),
                    ("Here & Now", ("Robin Young", "Scott Tong")),
                    ("Fresh Air", ("Terry Gross",)),
                    ("[Jazz] Night in America", ("",)),
                    ("All Things Considered", ("Mary Louise Kelly", "Ari Shapiro")),
                    ("The World", ("Marco Werman",)))),
    DemoStation("demo-classical", "WDMO 99.5", "Demo classical", "New York, NY",
                "America/New_York", "5187f4b3e1c8d1e2a3b4c5d7", "/b.mp3", "#6cc58a", (
                    ("Classical Mornings", ("Jeff Spurgeon",)),
                    ("Midday Masterpieces", ()),
                    ("Performance Today", ("Fred Child",)),
                    ("Afternoon Concert", ("Elliott Forrest",)),
                    ("Evening Music", ("",)))),
)


def demo_programs(station: DemoStation, day: date) -> list[Program]:
    """The station-local `day` in SLOT-long programs (23 or 25 hours on DST days)."""
    tz = ZoneInfo(station.timezone)
    start = datetime.combine(day, time(0), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
    programs, n = [], 0
    while start < end:
        title, hosts = station.programs[n % len(station.programs)]
        programs.append(Program(title, start.astimezone(tz), (start + SLOT).astimezone(tz),
                                hosts, f"{title} on {station.name}."))
        start, n = start + SLOT, n + 1
    return programs


def program_at(station: DemoStation, at: datetime) -> Program | None:
    """What the demo schedule has on at `at` (for tests checking the live answer)."""
    return on_now(demo_programs(station, at.astimezone(ZoneInfo(station.timezone)).date()), at)


def _airing(program: Program) -> Airing:
    return Airing(program.title, program.start, program.end, program.hosts, program.description)


def composer_day(station: DemoStation, day: date) -> dict:
    """The `/widget/{ucs}/day` answer for the station-local `day`."""
    tz = ZoneInfo(station.timezone)
    return day_payload([_airing(p) for p in demo_programs(station, day)], tz, day, station.ucs)


def composer_now(station: DemoStation, at: datetime) -> dict:
    """The `/widget/{ucs}/now` answer at `at`."""
    tz = ZoneInfo(station.timezone)
    local = at.astimezone(tz).date()
    programs = demo_programs(station, local) + demo_programs(station, local + timedelta(days=1))
    now, nxt = on_now(programs, at), up_next(programs, at)
    return now_payload(_airing(now) if now else None, [_airing(nxt)] if nxt else [], tz,
                       station.ucs)


def _convert(args: list[str], out: Path, fallback: bytes) -> None:
    if shutil.which("convert"):
        done = subprocess.run(["convert", *args, str(out)], capture_output=True, timeout=30)
        if done.returncode == 0 and out.exists():
            return
    out.write_bytes(fallback)


def make_media(folder: Path) -> None:
    """Logos, six story images and the newscast MP3 (ImageMagick and ffmpeg) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for st in STATIONS:
        _convert(["-size", "256x256", f"xc:{st.colour}", "-gravity", "center", "-fill",
                  "#14171c", "-pointsize", "72", "-annotate", "0", st.name.split()[0]],
                 folder / f"logo-{st.id}.png", tiny_png(64, 64, (232, 163, 61)))
    palette = ("#3a6ea5", "#a55a3a", "#3aa57a", "#7a3aa5", "#a5953a", "#3a95a5")
    for n, colour in enumerate(palette, start=1):
        _convert(["-size", "960x540", f"gradient:{colour}-#14171c", "-gravity", "center",
                  "-fill", "white", "-pointsize", "56", "-annotate", "0", f"Demo photo {n}"],
                 folder / f"story-{n}.png", tiny_png(96, 54, (58, 110, 165)))
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f",
                    "lavfi", "-i", "sine=frequency=660:duration=60", "-ac", "1", "-c:a",
                    "libmp3lame", "-b:a", "48k", str(folder / "newscast.mp3")],
                   check=True, capture_output=True, timeout=60)


class DemoSite:
    """The loopback metadata server of the demo; `base_url` once started."""

    def __init__(self, media: Path,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.media = media
        self.clock = clock
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.closed = False

    def start(self) -> DemoSite:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop answering, also on kept-alive connections (clients see the server gone)."""
        self.closed = True
        self._server.shutdown()
        self._server.server_close()

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[str, bytes] | None:
        """(content type, body) for a GET, or None for 404."""
        now = self.clock()
        if m := re.fullmatch(r"/v1/widget/([0-9a-f]{24})/(day|now)", path):
            station = next((s for s in STATIONS if s.ucs == m[1]), None)
            if station is None:
                return None
            if m[2] == "now":
                return "application/json", json.dumps(composer_now(station, now)).encode()
            try:
                day = date.fromisoformat(query.get("date", [""])[0])
            except ValueError:
                day = now.astimezone(ZoneInfo(station.timezone)).date()
            return "application/json", json.dumps(composer_day(station, day)).encode()
        if m := re.fullmatch(r"/news/([a-z-]+)\.rss", path):
            station = next((s for s in STATIONS if s.id == m[1]), None)
            if station is None:
                return None
            local = station is STATIONS[0]  # each demo station has its own city's stories
            stories = demo_stories(f"{self.base_url}/{station.id}", now,
                                   specs=KANSAS_CITY_STORIES if local else NEW_YORK_STORIES,
                                   credit=station.name)
            return "application/rss+xml", station_rss(stories, title=station.name,
                                                      link=f"{self.base_url}/")
        if path == "/newscast.xml":
            top = now.replace(minute=0, second=0, microsecond=0)
            items = [newscast_item(top - timedelta(hours=h) + timedelta(minutes=6),
                                   f"{self.base_url}/audio/newscast.mp3", duration="1:00")
                     for h in range(3)]
            return "application/rss+xml", newscast_rss(items)
        if m := re.fullmatch(r"/[a-z-]+/images/(story-[1-6]\.png)|/media/(logo-[a-z-]+\.png)",
                             path):
            return "image/png", (self.media / (m[1] or m[2])).read_bytes()
        if path == "/audio/newscast.mp3":
            return "audio/mpeg", (self.media / "newscast.mp3").read_bytes()
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if site.closed:
                    self.close_connection = True
                    return
                url = urlsplit(self.path)
                try:
                    found = site.answer(url.path, parse_qs(url.query))
                except OSError:
                    found = None
                if found is None:
                    self._send(404, "text/plain", b"not found")
                    return
                ctype, body = found
                rng = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
                if rng and int(rng[1]) < len(body):
                    first = int(rng[1])
                    last = min(int(rng[2]) if rng[2] else len(body) - 1, len(body) - 1)
                    self._send(206, ctype, body[first:last + 1],
                               {"Content-Range": f"bytes {first}-{last}/{len(body)}"})
                else:
                    self._send(200, ctype, body)

            def _send(self, status: int, ctype: str, body: bytes,
                      extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Accept-Ranges", "bytes")
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:
                    pass  # the listener went away (a seek or stop)

            def log_message(self, *_args: object) -> None:
                pass

        return Handler


def demo_catalogue(site: DemoSite, stream_url: Callable[[str], str], media: Path) -> dict:
    """The DESIGN.md catalogue: `stream_url(mount)` gives each station's stream address."""
    return {
        "stations": [{
            "id": st.id, "name": st.name, "tagline": st.tagline, "city": st.city,
            "timezone": st.timezone, "homepage": f"{site.base_url}/",
            "logo": str(media / f"logo-{st.id}.png"),
            "streams": [{"url": stream_url(st.mount), "format": "mp3", "bitrate": 64}],
            "schedule": {"source": "composer", "ucs": st.ucs, "base_url": f"{site.base_url}/v1"},
            "news": {"feed": f"{site.base_url}/news/{st.id}.rss"},
        } for st in STATIONS],
        "newscast": {"feed": f"{site.base_url}/newscast.xml"},
    }
