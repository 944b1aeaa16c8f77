"""The one way On Air says a time, for the CLI and the GUI alike.

Times are shown in the listener's zone; when the station's zone shows a different wall
clock, it follows in parentheses: "7:00 PM CST (8:00 PM EST)". `local` is the listener's
zone (None: the machine's zone), injectable for tests. Plain functions over aware
datetimes; no toolkit imports.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo


def now_utc() -> datetime:
    """The current moment, aware, in UTC: the default clock of every controller."""
    return datetime.now(UTC)


def _in(dt: datetime, tz: tzinfo | None) -> datetime:
    return dt.astimezone(tz) if tz is not None else dt.astimezone()


def _tz(zone: str | tzinfo) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def clock(dt: datetime) -> str:
    """'7:05 PM' for a datetime's own wall clock (no leading zero)."""
    hour = dt.hour % 12 or 12
    return f"{hour}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"


def _zone(dt: datetime) -> str:
    return dt.tzname() or dt.strftime("%z")


def short_time(moment: datetime, local: tzinfo | None = None, *, zone: bool = False) -> str:
    """'7:00 PM' (or '7:00 PM CST' with `zone`) in the listener's zone."""
    mine = _in(moment, local)
    return f"{clock(mine)} {_zone(mine)}" if zone else clock(mine)


def zoned_clock(dt: datetime, local: tzinfo | None = None) -> str:
    """'9:30 AM CST': the listener's clock with the zone abbreviation."""
    return short_time(dt, local, zone=True)


def local_time(dt: datetime, station_tz: str | tzinfo, local: tzinfo | None = None) -> str:
    """'7:00 PM CST (8:00 PM EST)': listener's clock, then the station's when it differs."""
    here = zoned_clock(dt, local)
    there = zoned_clock(dt, _tz(station_tz))
    return here if here == there else f"{here} ({there})"


def time_range(start: datetime, end: datetime, station_tz: str | tzinfo,
               local: tzinfo | None = None) -> str:
    """'7:00 PM – 8:00 PM CST (8:00 PM – 9:00 PM EST)', station part only when it differs."""

    def one(tz: tzinfo | None) -> str:
        a, b = _in(start, tz), _in(end, tz)
        return f"{clock(a)} – {clock(b)} {_zone(b)}"

    here, there = one(local), one(_tz(station_tz))
    return here if here == there else f"{here} ({there})"


def copy_time(moment: datetime, local: tzinfo | None = None,
              now: datetime | None = None) -> str:
    """When a stale copy was fetched: '10:02 AM', with the date when not today ('Nov 3,
    10:02 AM')."""
    mine = _in(moment, local)
    today = _in(now or datetime.now(UTC), local).date()
    text = clock(mine)
    return text if mine.date() == today else f"{mine:%b} {mine.day}, {text}"


def day_and_time(moment: datetime | None, local: tzinfo | None = None) -> str:
    """'Sat Nov 28, 9:14 AM CST' in the listener's zone; '' for None."""
    if moment is None:
        return ""
    mine = _in(moment, local)
    return f"{mine:%a %b} {mine.day}, {zoned_clock(mine, local)}"


def duration(seconds: float) -> str:
    """'12:04' for minutes and seconds, '1:02:03' past an hour; negatives count as 0."""
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def minutes(seconds: float) -> str:
    """'45 min', '1 h 05 min': a program's length or elapsed time in words."""
    total = round(seconds / 60)
    return f"{total // 60} h {total % 60:02d} min" if total >= 60 else f"{total} min"


def time_ago(dt: datetime | None, now: datetime) -> str:
    """'just now', '5 min ago', '3 h ago', 'yesterday', '4 days ago', or the date; '' for None."""
    if dt is None:
        return ""
    secs = (now - dt).total_seconds()
    if secs < 60:
        return "just now"
    if secs < 3600:
        return f"{int(secs // 60)} min ago"
    if secs < 86400:
        return f"{int(secs // 3600)} h ago"
    days = int(secs // 86400)
    if days == 1:
        return "yesterday"
    if days < 7:
        return f"{days} days ago"
    return f"{dt.strftime('%b')} {dt.day}, {dt.year}"


def long_date(dt: datetime, local: tzinfo | None = None) -> str:
    """'Saturday, November 28, 2026, 7:05 PM CST' in the listener's zone."""
    mine = _in(dt, local)
    return f"{mine.strftime('%A, %B')} {mine.day}, {mine.year}, {zoned_clock(mine, local)}"
