"""Metadata test servers: NPR Composer payloads in the real shapes (with every trap of
REFERENCE.md section 3) for pytest-httpserver, the demo and e2e, plus raw-socket servers
that misbehave (never answer, trickle bytes).
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from werkzeug import Request, Response

from player.stations import ScheduleSource, Station, Stream

KCUR_UCS = "5187f425e1c860c702f81c99"  # invented, 24 hex like the real ids
CHICAGO = ZoneInfo("America/Chicago")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Airing:
    """One program airing to serve; start/end aware (any zone: written in the station's)."""

    title: str
    start: datetime
    end: datetime
    hosts: tuple[str, ...] = ()
    description: str = ""
    link: str | None = None
    extra: dict = field(default_factory=dict)  # fields to override or (value None) to null


def js_date(moment: datetime) -> str:
    """JavaScript Date.toString() in the moment's own zone: the `start_utc` trap."""
    off = moment.utcoffset() or timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    return f"{moment:%a %b %d %Y %H:%M:%S} GMT{sign}{hh:02d}{mm:02d} ({moment.tzname()})"


def airing_json(a: Airing, tz: ZoneInfo, ucs: str = KCUR_UCS) -> dict:
    """An `onToday[]` / `onNow` / `nextUp[]` item in the real Composer shape."""
    start, end = a.start.astimezone(tz), a.end.astimezone(tz)
    n = next(_ids)
    item = {
        "_id": f"{n:024x}", "event_id": f"{n + 7000:024x}", "program_id": f"{n + 900:024x}",
        "date": f"{start:%Y-%m-%d}", "day": f"{start:%a}",
        "start_time": f"{start:%H:%M}", "end_time": f"{end:%H:%M}",
        "start_utc": js_date(start), "end_utc": js_date(end),
        "fullstart": f"{start:%Y-%m-%d %H:%M}", "fullend": f"{end:%Y-%m-%d %H:%M}",
        "program": {
            "name": a.title, "program_id": f"{n + 900:024x}", "program_desc": a.description,
            "program_format": "News/Talk", "program_link": a.link,
            "hosts": [{"name": h} for h in a.hosts], "ucs": ucs, "station_id": "1234",
            "isParent": False, "parentID": None, "national_program_id": None},
        "playlist": [], "has_playlist": False, "episode_notes": None,
    }
    for key, value in a.extra.items():
        if key.startswith("program."):
            item["program"][key[8:]] = value
        else:
            item[key] = value
    return item


def day_payload(airings: Iterable[Airing], tz: ZoneInfo, day: date,
                ucs: str = KCUR_UCS) -> dict:
    """A `/widget/{ucs}/day?date=...` answer."""
    return {"onToday": [airing_json(a, tz, ucs) for a in airings],
            "affiliate": {"name": "KCUR", "ucs": ucs, "timezone": None},
            "params": {"date": day.isoformat(), "format": "json"}}


def now_payload(on_now: Airing | None, next_up: Iterable[Airing], tz: ZoneInfo,
                ucs: str = KCUR_UCS, *, time_only_fullstart: bool = False) -> dict:
    """A `/widget/{ucs}/now` answer; `time_only_fullstart` gives the "HH:MM" fullstart trap."""
    def item(a: Airing) -> dict:
        j = airing_json(a, tz, ucs)
        if time_only_fullstart:
            j["fullstart"], j["fullend"] = j["start_time"], j["end_time"]
        return j

    return {"onNow": item(on_now) if on_now else None, "nextUp": [item(a) for a in next_up],
            "ucs": {"fullname": "KCUR 89.3 FM"}}


def hourly(tz: ZoneInfo, day: date, titles: Iterable[str] | None = None) -> list[Airing]:
    """One program per real hour of the station-local `day` (23 or 25 on DST days)."""
    start = datetime.combine(day, datetime.min.time(), tz)
    stop = datetime.combine(day + timedelta(days=1), datetime.min.time(), tz)
    names = iter(titles or ())
    out = []
    t = start
    while t < stop:
        nxt = (t.astimezone(ZoneInfo("UTC")) + timedelta(hours=1)).astimezone(tz)
        out.append(Airing(next(names, f"Hour {len(out) + 1}"), t, nxt))
        t = nxt
    return out


_DEMO = [  # (start, end, title, hosts, description) station-local, a public-radio weekday
    ("00:00", "05:00", "BBC World Service", (), "News from around the world."),
    ("05:00", "09:00", "Morning Edition", ("Steve Inskeep", "Leila Fadel", ""),
     "The day's news, <b>analysis</b> &amp; conversation."),
    ("09:00", "10:00", "1A", ("Jenn White",), "Conversation about the news."),
    ("10:00", "11:00", "Up To Date", ("Steve Kraske",), "Kansas City's public affairs show."),
    ("11:00", "12:00", "Here & Now", ("Scott Tong", "Robin Young"), ""),
    ("12:00", "13:00", "Central Standard", (), "Culture and ideas in Kansas City."),
    ("13:00", "15:00", "Fresh Air", ("Terry Gross",), "Interviews with people in the arts."),
    ("15:00", "16:00", "The World", ("Marco Werman",), ""),
    ("16:00", "18:30", "All Things Considered", ("Ari Shapiro", "Mary Louise Kelly"), ""),
    ("18:30", "19:00", "Marketplace", ("Kai Ryssdal",), "Business news."),
    ("19:00", "20:00", "KCUR Presents [b]Live[/b]", (), "Markup in titles stays plain text."),
    ("20:00", "23:00", "Jazz with Bob Parlocha", (), ""),
    ("23:00", "00:00", "BBC World Service", (), ""),
]


def demo_day(day: date, tz: ZoneInfo = CHICAGO) -> list[Airing]:
    """A realistic full day of programs for `day` (station-local), for demos and tests."""
    out = []
    for start, end, title, hosts, desc in _DEMO:
        s = datetime.combine(day, datetime.strptime(start, "%H:%M").time(), tz)
        e_day = day + timedelta(days=1) if end == "00:00" else day
        e = datetime.combine(e_day, datetime.strptime(end, "%H:%M").time(), tz)
        out.append(Airing(title, s, e, hosts, desc,
                          f"https://www.kcur.org/show/{title.split()[0].lower()}"))
    return out


def demo_days(today: date | None = None, tz: ZoneInfo = CHICAGO) -> dict[date, list[Airing]]:
    """Yesterday, today and tomorrow (station-local) of the demo schedule, for serve_composer:
    the demo and e2e always have a program on now, whatever the hour."""
    today = today or datetime.now(tz).date()
    return {today + timedelta(days=n): demo_day(today + timedelta(days=n), tz) for n in (-1, 0, 1)}


def serve_composer(server, days: dict[date, list[Airing]], tz: ZoneInfo = CHICAGO,
                   ucs: str = KCUR_UCS, *, headers: dict | None = None) -> str:
    """Serve `/v1/widget/{ucs}/day?date=D` (an empty onToday for other dates) and `/now` on a
    pytest-httpserver `server`; returns the base URL to put in ScheduleSource.base_url."""
    def handler(request: Request) -> Response:
        if request.path.endswith("/now"):
            at = datetime.now(tz)
            programs = sorted((a for d in days.values() for a in d), key=lambda a: a.start)
            on = next((a for a in programs if a.start <= at < a.end), None)
            body = now_payload(on, [a for a in programs if a.start > at][:3], tz, ucs)
        else:
            d = date.fromisoformat(request.args.get("date", "1970-01-01"))
            body = day_payload(days.get(d, []), tz, d, ucs)
        answer = Response(json.dumps(body), content_type="application/json",
                          headers=headers or {})
        return answer.make_conditional(request)  # 304 for a matching ETag / Last-Modified

    server.expect_request(f"/v1/widget/{ucs}/day").respond_with_handler(handler)
    server.expect_request(f"/v1/widget/{ucs}/now").respond_with_handler(handler)
    return server.url_for("/v1")


@contextmanager
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


@contextmanager
def trickle_server(interval_s: float = 0.2, *, in_headers: bool = False) -> Iterator[str]:
    """A loopback server answering 200 and then one body byte every `interval_s`, forever
    (`in_headers`: one more header line every `interval_s`, the body never comes)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    stop = threading.Event()

    def feed(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                if not in_headers:
                    conn.sendall(b"Content-Length: 1000000\r\n\r\n")
                while not stop.wait(interval_s):
                    conn.sendall(b"X-Pad: a\r\n" if in_headers else b" ")
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            threading.Thread(target=feed, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()


def big_body(total: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A generator body of `total` bytes (for a streamed werkzeug Response), made lazily."""
    block = b"x" * chunk
    sent = 0
    while sent < total:
        part = block[: min(chunk, total - sent)]
        sent += len(part)
        yield part
        time.sleep(0)


def composer_station(base_url: str | None, station_id: str = "kcur",
                     tz: str = "America/Chicago", ucs: str = KCUR_UCS) -> Station:
    """A catalogue station whose guide is the Composer widget at `base_url` (None: no guide)."""
    schedule = ScheduleSource("composer", ucs, base_url) if base_url else None
    return Station(id=station_id, name=f"{station_id.upper()} 89.3", tagline="NPR",
                   city="Kansas City, MO", timezone=tz, homepage=None, logo=None,
                   streams=(Stream("http://127.0.0.1:9/live.mp3"),), schedule=schedule,
                   news_feed=None)


def grove_homepage(name: str = "KCUR 89.3", ucs: str = KCUR_UCS,
                   streams: Iterable[str] = ("https://kcur.streamguys1.com/kcur-website-icy",),
                   ) -> str:
    """A station homepage in the shape of NPR's Grove sites (player markup, feeds, nav)."""
    players = "\n".join(
        f'<ps-stream-url data-stream-url="{u}" data-stream-format="audio/mpeg"></ps-stream-url>'
        for u in streams)
    return f"""<!DOCTYPE html><html lang="en"><head>
<title>{name} | NPR in Kansas City</title>
<meta property="og:site_name" content="{name}">
<meta property="og:title" content="Home">
<link rel="alternate" type="application/rss+xml" title="News" href="/news.rss">
<script>var x = '<ps-stream-url data-stream-url="https://evil.example/in-script">';</script>
</head><body>
<ps-stream-player data-stream-ucsid="{ucs}" data-stream-name="{name}">
{players}
<ps-stream-url data-stream-url="javascript:alert(1)"></ps-stream-url>
<ps-stream-url data-stream-url="-vvv --extraintf=http"></ps-stream-url>
</ps-stream-player>
<nav><a href="/sections/politics">Politics</a> <a href="/politics.rss">RSS</a>
<a href="https://www.kcur.org/tags/arts.rss">Arts feed</a>
<a href="/podcast/up-to-date/rss.xml">Up To Date podcast</a>
<a href="/news.rss">News feed again</a></nav>
</body></html>"""
