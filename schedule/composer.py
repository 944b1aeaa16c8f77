"""NPR Composer client: `/widget/{ucs}/day` and `/now` payloads into Programs.

Tolerant of every trap of REFERENCE.md section 3. The instant of a start or end
comes from `start_utc`/`end_utc` when they parse (a JavaScript Date.toString()
in local time with its offset, e.g. "Wed May 14 2025 09:00:00 GMT-0500 (CDT)",
which also settles the repeated hour of a fall-back day), else from the
station-local wall clock `fullstart`/`fullend` ("YYYY-MM-DD HH:MM", or just
"HH:MM" in some /now answers) or `date` + `start_time`/`end_time`, read in the
station's time zone (from the catalogue; the payload has none). An end of
"00:00" or at/before the start is the next day; "23:59" means midnight. A
missing end is the next program's start (or midnight); an entry without a usable
start (or starting more than a week from the day asked for, or with values no date
can hold) is dropped with one log line naming it (`onToday[3]`); gaps stay gaps.
Text is plain (tags and entities gone).
A payload of the wrong shape is SourceUnavailable("NPR Composer: unexpected answer: ...").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from urllib.parse import quote
from zoneinfo import ZoneInfo

from infra import remote_json
from infra.errors import SourceUnavailable
from infra.html_text import plain
from infra.http import Fetched, HttpClient
from infra.urls import one_line, url_problem
from player.stations import ScheduleSource
from schedule import guide
from schedule.model import DaySchedule, Program

log = logging.getLogger(__name__)

SOURCE = "NPR Composer"
DEFAULT_BASE_URL = "https://api.composer.nprstations.org/v1"
UNTITLED = "Untitled program"
MAX_HOSTS = 20
MAX_DAYS_AWAY = timedelta(days=7)  # a /day or /now airing starts near the day asked for

_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_JS_DATE = re.compile(
    r"\s*(?:[A-Za-z]{3},?\s+)?([A-Za-z]{3})\s+(\d{1,2})\s+(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"\s+(?:GMT|UTC)\s*([+-])(\d{2}):?(\d{2})", re.ASCII)
_WALL = re.compile(r"\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})[ T]+)?(\d{1,2}):(\d{2})(?::\d{2})?"
                   r"(?:\s*([AaPp])\.?[Mm]\.?)?", re.ASCII)


def parse_js_date(text: object) -> datetime | None:
    """An aware datetime from a JavaScript Date.toString() (or an ISO string with offset)."""
    if not isinstance(text, str):
        return None
    m = _JS_DATE.match(text)
    try:
        if m:
            mon, day, year, hh, mm, ss, sign, oh, om = m.groups()
            offset = timedelta(hours=int(oh), minutes=int(om)) * (-1 if sign == "-" else 1)
            if mon.lower() not in _MONTHS or offset >= timedelta(hours=24):
                return None
            return datetime(int(year), _MONTHS[mon.lower()], int(day), int(hh), int(mm),
                            int(ss or 0), tzinfo=timezone(offset))
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _date(text: object) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if isinstance(text, str) else None
    except ValueError:
        return None


def _wall(text: object, day: date | None) -> datetime | None:
    """A naive station-local datetime from "YYYY-MM-DD HH:MM", "HH:MM" or "9:00 PM" (on
    `day`)."""
    if not isinstance(text, str) or not (m := _WALL.match(text)):
        return None
    y, mo, d, hh, mm, half = m.groups()
    hour = int(hh)
    if half and 1 <= hour <= 12:  # "9:00 PM" style
        hour = hour % 12 + (12 if half in "Pp" else 0)
    try:
        on = date(int(y), int(mo), int(d)) if y else day
        if on is None or int(mm) > 59 or hour > 24:
            return None
        return datetime.combine(on, time(0)) + timedelta(hours=hour, minutes=int(mm))
    except (ValueError, OverflowError):
        return None


def _local(naive: datetime, tz: ZoneInfo) -> datetime:
    """Wall clock to an aware instant; a time in the spring-forward gap moves past it."""
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def _fixed(moment: datetime) -> datetime:
    """The same instant with a fixed UTC offset: arithmetic stays exact across DST changes
    (Python subtracts datetimes sharing one ZoneInfo by wall clock)."""
    return moment.astimezone(timezone(moment.utcoffset() or timedelta(0)))


def _midnight_after(moment: datetime, tz: ZoneInfo) -> datetime:
    return _local(datetime.combine(moment.date() + timedelta(days=1), time(0)), tz)


def _text(value: object, limit: int = 2000) -> str:
    return plain(value, max_chars=limit) if isinstance(value, str) else ""


def _hosts(value: object) -> tuple[str, ...]:
    """The first MAX_HOSTS distinct host names."""
    names: dict[str, None] = {}
    for host in value if isinstance(value, list) else []:
        name = _text(host.get("name") if isinstance(host, dict) else host, 200)
        if name:
            names[name] = None
            if len(names) == MAX_HOSTS:
                break
    return tuple(names)


def _airing(item: object, tz: ZoneInfo, day: date) -> tuple[Program, bool] | None:
    """(Program, end known) for one airing, or None when it has no usable start."""
    if not isinstance(item, dict):
        return None
    prog = item.get("program") if isinstance(item.get("program"), dict) else {}
    on = _date(item.get("date")) or day
    start = parse_js_date(item.get("start_utc"))
    if start is not None:
        start = start.astimezone(tz)
    elif (wall := _wall(item.get("fullstart"), on) or _wall(item.get("start_time"), on)):
        start = _local(wall, tz)
    else:
        return None
    end = parse_js_date(item.get("end_utc"))
    if end is not None:
        end = end.astimezone(tz)
    elif (wall := _wall(item.get("fullend"), start.date()) or
          _wall(item.get("end_time"), start.date())):
        if wall <= start.replace(tzinfo=None):  # "00:00" or crossing midnight: the next day
            wall += timedelta(days=1)
        end = _local(wall, tz)
    if end is not None and (end.hour, end.minute) == (23, 59):
        end = _midnight_after(end, tz)
    if end is not None and end <= start:
        end = None
    start, end = _fixed(start), (None if end is None else _fixed(end))
    url = prog.get("program_link")
    program = Program(
        title=_text(prog.get("name"), 300) or _text(item.get("name"), 300) or UNTITLED,
        start=start, end=end or start, hosts=_hosts(prog.get("hosts")),
        description=_text(prog.get("program_desc")),
        url=url if url_problem(url) is None else None)
    return program, end is not None


def _checked_airing(item: object, tz: ZoneInfo, day: date,
                    where: str) -> tuple[Program, bool] | None:
    """`_airing`, or None (with one log line naming the item) when the item is unusable:
    no start, a start more than MAX_DAYS_AWAY from `day`, or values no date can hold."""
    try:
        airing = _airing(item, tz, day)
        if airing is None:
            return None
        if abs(airing[0].start.date() - day) > MAX_DAYS_AWAY:
            log.info("%s: %s dropped: it starts on %s, not near %s", SOURCE, where,
                     airing[0].start.date(), day)
            return None
        return airing
    except Exception as err:  # noqa: BLE001 - one bad airing is dropped, not the whole day
        log.info("%s: %s dropped: %s", SOURCE, where, one_line(f"{type(err).__name__}: {err}"))
        return None


def _programs(items: list, tz: ZoneInfo, day: date, where: str = "onToday") -> list[Program]:
    """Airings in order of start, duplicates dropped, missing ends filled from the next start.
    Linear after the sort: each missing end is the start of the next later airing, found
    by one walk from the last airing back."""
    found = sorted((a for a in (_checked_airing(item, tz, day, f"{where}[{n}]")
                                for n, item in enumerate(items)) if a is not None),
                   key=lambda a: a[0].start)
    next_start: list[datetime | None] = [None] * len(found)
    for n in range(len(found) - 2, -1, -1):
        later = found[n + 1][0].start
        next_start[n] = later if later > found[n][0].start else next_start[n + 1]
    out: list[Program] = []
    for n, (program, has_end) in enumerate(found):
        if not has_end:
            end = next_start[n] or _midnight_after(program.start, tz)
            program = Program(program.title, program.start, end, program.hosts,
                              program.description, program.url)
        if out and (out[-1].start, out[-1].title) == (program.start, program.title):
            continue
        out.append(program)
    return out


def _document(data: bytes, content_type: str) -> dict:
    try:
        doc = remote_json.loads(data)
    except (ValueError, RecursionError):
        shown = content_type.split(";")[0].strip() or "no content type"
        raise ValueError(f"unexpected answer: not JSON ({shown}, {len(data)} bytes)") from None
    if not isinstance(doc, dict):
        raise ValueError(f"unexpected answer: a JSON {type(doc).__name__}, not an object")
    return doc


def day_programs(data: bytes, tz: ZoneInfo, day: date, content_type: str = "") -> list[Program]:
    """The programs of a `/day` answer; ValueError("unexpected answer: ...") if unusable."""
    items = _document(data, content_type).get("onToday")
    if not isinstance(items, list):
        raise ValueError("unexpected answer: no onToday list")
    programs = _programs(items, tz, day)
    if items and not programs:
        raise ValueError("unexpected answer: no usable program in onToday")
    return programs


def now_programs(data: bytes, tz: ZoneInfo, day: date,
                 content_type: str = "") -> tuple[Program | None, list[Program]]:
    """(on now, up next list) of a `/now` answer; ValueError if unusable."""
    doc = _document(data, content_type)
    if "onNow" not in doc and "nextUp" not in doc:
        raise ValueError("unexpected answer: neither onNow nor nextUp")
    now = _programs([doc.get("onNow")], tz, day, "onNow")
    nxt = doc.get("nextUp")
    return (now[0] if now else None), _programs(nxt if isinstance(nxt, list) else [], tz, day,
                                                "nextUp")


def parse_day(data: bytes, tz: ZoneInfo, day: date) -> list[Program]:
    """`day_programs`, with SourceUnavailable for an unusable answer."""
    try:
        return day_programs(data, tz, day)
    except ValueError as err:
        raise SourceUnavailable(f"{SOURCE}: {err}") from None


class ComposerClient:
    """One station's Composer widget, fetched through the shared HttpClient."""

    def __init__(self, http: HttpClient, schedule: ScheduleSource, tz: ZoneInfo) -> None:
        self.http = http
        self.tz = tz
        base = (schedule.base_url or DEFAULT_BASE_URL).rstrip("/")
        self.base = f"{base}/widget/{quote(schedule.ucs, safe='')}"

    def _get(self, path: str, params: dict, parse: Callable[[bytes, str], object]
             ) -> tuple[Fetched, object]:
        fetched = self.http.get(f"{self.base}/{path}", source=SOURCE, params=params, check=parse)
        try:
            return fetched, parse(fetched.content, fetched.content_type)
        except ValueError as err:
            raise SourceUnavailable(f"{SOURCE}: {err} ({fetched.url})") from None

    def day(self, day: date) -> DaySchedule:
        """The station-local day's programs (maybe a stale copy; SourceUnavailable if none)."""
        fetched, programs = self._get(
            "day", {"date": day.isoformat(), "format": "json"},
            lambda data, ctype: day_programs(data, self.tz, day, ctype))
        return DaySchedule(day, tuple(programs), fetched.fetched_at, fetched.stale,
                           fetched.problem)

    def now(self, today: date) -> tuple[Program | None, list[Program], Fetched]:
        """The `/now` widget: on now and the next programs."""
        fetched, (on_now, up_next) = self._get(
            "now", {"format": "json"},
            lambda data, ctype: now_programs(data, self.tz, today, ctype))
        return on_now, up_next, fetched

    def around(self, at: datetime) -> DaySchedule:
        """The day of `at` (station time), plus the day before when `at` precedes its first
        program and the day after when nothing follows, so midnight is crossed correctly.
        Only the main day's failure is an error; the neighbours are best effort."""
        local = at.astimezone(self.tz)
        main = self.day(local.date())
        programs = list(main.programs)
        extra = []
        if guide.on_now(programs, at) is None and not any(p.start <= at for p in programs):
            extra.append(local.date() - timedelta(days=1))
        if guide.up_next(programs, at) is None:
            extra.append(local.date() + timedelta(days=1))
        for day in extra:
            try:
                programs += self.day(day).programs
            except SourceUnavailable:
                continue
        merged = sorted(set(programs), key=lambda p: (p.start, p.end))
        return DaySchedule(main.day, tuple(merged), main.fetched_at, main.stale, main.problem)
