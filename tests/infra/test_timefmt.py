"""Time formatting as the listener reads it: their zone first, the station's when it differs."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from infra.timefmt import clock, duration, local_time, long_date, time_ago, time_range

CHICAGO = ZoneInfo("America/Chicago")
NEW_YORK = ZoneInfo("America/New_York")
WINTER_7PM_CST = datetime(2026, 1, 14, 19, 0, tzinfo=CHICAGO)


def test_clock_is_twelve_hour_without_leading_zero() -> None:
    assert clock(datetime(2026, 1, 1, 0, 5)) == "12:05 AM"
    assert clock(datetime(2026, 1, 1, 9, 30)) == "9:30 AM"
    assert clock(datetime(2026, 1, 1, 12, 0)) == "12:00 PM"
    assert clock(datetime(2026, 1, 1, 23, 59)) == "11:59 PM"


def test_listener_zone_first_then_station_zone_when_it_differs() -> None:
    assert local_time(WINTER_7PM_CST, "America/New_York", CHICAGO) == "7:00 PM CST (8:00 PM EST)"


def test_station_zone_is_not_repeated_when_it_is_the_listeners() -> None:
    assert local_time(WINTER_7PM_CST, "America/Chicago", CHICAGO) == "7:00 PM CST"


def test_daylight_saving_abbreviation_follows_the_date() -> None:
    summer = datetime(2026, 7, 1, 19, 0, tzinfo=CHICAGO)
    assert local_time(summer, "America/New_York", CHICAGO) == "7:00 PM CDT (8:00 PM EDT)"


def test_range_shows_both_ends_in_each_zone() -> None:
    start, end = WINTER_7PM_CST, WINTER_7PM_CST + timedelta(hours=1)
    assert time_range(start, end, "America/New_York", CHICAGO) == (
        "7:00 PM – 8:00 PM CST (8:00 PM – 9:00 PM EST)")
    assert time_range(start, end, "America/Chicago", CHICAGO) == "7:00 PM – 8:00 PM CST"


def test_utc_listener_sees_station_time_in_parentheses() -> None:
    assert local_time(WINTER_7PM_CST, "America/Chicago", UTC) == "1:00 AM UTC (7:00 PM CST)"


def test_duration_as_player_clock() -> None:
    assert duration(0) == "0:00"
    assert duration(724) == "12:04"
    assert duration(3540) == "59:00"
    assert duration(3723.9) == "1:02:03"
    assert duration(-5) == "0:00"


def test_time_ago_steps() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert time_ago(None, now) == ""
    assert time_ago(now - timedelta(seconds=20), now) == "just now"
    assert time_ago(now + timedelta(minutes=3), now) == "just now"
    assert time_ago(now - timedelta(minutes=5, seconds=30), now) == "5 min ago"
    assert time_ago(now - timedelta(hours=3, minutes=59), now) == "3 h ago"
    assert time_ago(now - timedelta(hours=30), now) == "yesterday"
    assert time_ago(now - timedelta(days=4), now) == "4 days ago"
    assert time_ago(datetime(2026, 10, 2, tzinfo=UTC), now) == "Oct 2, 2026"


def test_long_date_in_listener_zone() -> None:
    dt = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
    assert long_date(dt, CHICAGO) == "Saturday, November 28, 2026, 7:05 AM CST"
