"""Times as a listener reads them: "7:00 PM", with the zone abbreviation when asked."""

from __future__ import annotations

from datetime import datetime, tzinfo


def short_time(moment: datetime, tz: tzinfo | None = None, *, zone: bool = False) -> str:
    """`moment` in `tz` (default: the listener's local zone) as "7:00 PM" or "7:00 PM CST"."""
    local = moment.astimezone(tz)
    text = f"{local:%I:%M %p}".lstrip("0")
    return f"{text} {local.tzname()}" if zone and local.tzname() else text


def listener_and_station(moment: datetime, station_tz: tzinfo,
                         listener_tz: tzinfo | None = None) -> str:
    """"7:00 PM" in the listener's zone, plus " (8:00 PM EST)" style station time when the
    two zones differ at that instant."""
    mine = moment.astimezone(listener_tz)
    theirs = moment.astimezone(station_tz)
    if mine.utcoffset() == theirs.utcoffset():
        return short_time(moment, listener_tz, zone=True)
    here = short_time(moment, listener_tz, zone=True)
    return f"{here} ({short_time(moment, station_tz, zone=True)})"
