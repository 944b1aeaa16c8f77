"""Pure time formatting for the views: clock times, ranges, durations and "time ago".

Times are shown in the listener's zone; when the station's zone shows a
different wall clock, it follows in parentheses: "7:00 PM CST (8:00 PM EST)".
`local` is the listener's zone (None: the machine's zone), injectable for tests.
No toolkit imports: these are plain functions over aware datetimes.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo


def _in(dt: datetime, tz: tzinfo | None) -> datetime:
    return dt.astimezone(tz) if tz is not None else dt.astimezone()


def clock(dt: datetime) -> str:
    """'7:05 PM' for a datetime's own wall clock (no leading zero)."""
    hour = dt.hour % 12 or 12
    return f"{hour}:{dt.minute:02d} {'AM' if dt.hour < 12 else 'PM'}"


def _zone(dt: datetime) -> str:
    return dt.tzname() or dt.strftime("%z")


def zoned_clock(dt: datetime, local: tzinfo | None = None) -> str:
    """'9:30 AM CST': the listener's clock with the zone abbreviation."""
    mine = _in(dt, local)
    return f"{clock(mine)} {_zone(mine)}"


def local_time(dt: datetime, station_tz: str, local: tzinfo | None = None) -> str:
    """'7:00 PM CST (8:00 PM EST)': listener's clock, then the station's when it differs."""
    here = zoned_clock(dt, local)
    there = zoned_clock(dt, ZoneInfo(station_tz))
    return here if here == there else f"{here} ({there})"


def time_range(start: datetime, end: datetime, station_tz: str,
               local: tzinfo | None = None) -> str:
    """'7:00 PM – 8:00 PM CST (8:00 PM – 9:00 PM EST)', station part only when it differs."""

    def one(tz: tzinfo | None) -> str:
        a, b = _in(start, tz), _in(end, tz)
        return f"{clock(a)} – {clock(b)} {_zone(b)}"

    here, there = one(local), one(ZoneInfo(station_tz))
    return here if here == there else f"{here} ({there})"


def duration(seconds: float) -> str:
    """'12:04' for minutes and seconds, '1:02:03' past an hour; negatives count as 0."""
    total = max(0, int(seconds))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


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
