"""On now / up next / rest of day / progress at boundary instants."""

from datetime import datetime, timedelta

from schedule.guide import on_now, progress, rest_of_day, up_next
from schedule.model import Program
from tests.support.metadata_server import CHICAGO


def t(hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(2025, 5, 14, hh, mm, ss, tzinfo=CHICAGO)


DAY = [Program("Morning Edition", t(5), t(9)), Program("1A", t(9), t(10)),
       Program("Up To Date", t(10), t(11)), Program("Fresh Air", t(13), t(15))]


def test_the_boundary_minute_belongs_to_the_new_program():
    assert on_now(DAY, t(8, 59, 59)).title == "Morning Edition"
    assert on_now(DAY, t(9)).title == "1A"
    assert up_next(DAY, t(9)).title == "Up To Date"
    assert up_next(DAY, t(8, 59)).title == "1A"


def test_gaps_and_the_ends_of_the_day():
    assert on_now(DAY, t(12)) is None and up_next(DAY, t(12)).title == "Fresh Air"
    assert on_now(DAY, t(4)) is None and up_next(DAY, t(16)) is None
    assert on_now([], t(12)) is None and up_next([], t(12)) is None


def test_rest_of_day_starts_with_the_program_on_now():
    assert [p.title for p in rest_of_day(reversed(DAY), t(9, 30))] == [
        "1A", "Up To Date", "Fresh Air"]
    assert rest_of_day(DAY, t(15)) == []


def test_progress_is_elapsed_and_length_in_seconds():
    assert progress(DAY[1], t(9, 15)) == (900.0, 3600.0)
    assert progress(DAY[1], t(8)) == (0.0, 3600.0)
    assert progress(DAY[1], t(11)) == (3600.0, 3600.0)


def test_overlap_prefers_the_later_start_and_json_has_offsets():
    special = Program("Special Report", t(9, 30), t(9, 45), ("A",), "d", "https://x.org/")
    assert on_now([*DAY, special], t(9, 40)).title == "Special Report"
    assert special.to_json() == {"title": "Special Report", "start": "2025-05-14T09:30:00-05:00",
                                 "end": "2025-05-14T09:45:00-05:00", "hosts": ["A"],
                                 "description": "d", "url": "https://x.org/"}
    assert special.duration_s == timedelta(minutes=15).total_seconds()


def test_a_replaced_program_is_on_at_its_new_times():
    """The instants on_now compares are derived from start/end, also after replace()."""
    from dataclasses import replace

    moved = replace(DAY[1], start=t(11), end=t(12))
    assert on_now([moved], t(11, 30)) == moved and on_now([moved], t(9, 30)) is None
    assert moved != DAY[1] and replace(moved, start=t(9), end=t(10)) == DAY[1]
