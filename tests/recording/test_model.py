"""recording.model: durations, safe file names, finding a program, schedule rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.errors import BadInput
from recording import model
from schedule.model import Program

TZ = ZoneInfo("America/Chicago")
FRIDAY = datetime(2025, 5, 16, 9, 30, tzinfo=TZ)  # a Friday, station time


def prog(title: str, start: datetime, minutes: int = 60, hosts: tuple[str, ...] = ()) -> Program:
    return Program(title, start, start + timedelta(minutes=minutes), hosts)


def week(start: datetime, titles: tuple[str, ...] = ("1A", "Up To Date")) -> list[Program]:
    """Each title once a day at 9:00 and 10:00 for a week from `start`'s day."""
    day0 = start.replace(hour=9, minute=0)
    return [prog(t, day0 + timedelta(days=d, hours=h))
            for d in range(7) for h, t in enumerate(titles)]


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90), ("45m", 2700), ("1h30m", 5400), ("1h", 3600), ("2m5s", 125), (" 12s ", 12),
    ("1H30M", 5400)])
def test_durations(text, seconds):
    assert model.parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "90", "1.5h", "abc", "0s", "25h", "30m1h", "-5m", "1 h"])
def test_bad_durations_say_what_a_duration_looks_like(text):
    with pytest.raises(BadInput) as err:
        model.parse_duration(text)
    assert "--for" in str(err.value) and "\n" not in str(err.value)


def test_the_file_name_has_station_program_and_start():
    start = datetime(2025, 5, 14, 10, 0, tzinfo=TZ)
    assert model.recording_name("KCUR 89.3", "Up To Date", start, "aac") == \
        "KCUR 89.3 - Up To Date - 2025-05-14 1000.aac"


@pytest.mark.parametrize(("title", "safe"), [
    ("KCUR Presents [b]Live[/b]", "KCUR Presents [b]Live[ b]"),
    ("AC/DC: Back in Black?", "AC DC Back in Black"),
    ("..hidden", "hidden"), ("trailing dot. ", "trailing dot"), ("CON", "CON_"),
    ("", "Untitled"), ("   ", "Untitled"), ("tab\tand\nnewline", "tab and newline"),
    ("Café Olé", "Café Olé"), ('a<b>c|d"e*f', "a b c d e f")])
def test_unsafe_characters_leave_the_name(title, safe):
    assert model.safe_part(title) == safe


@given(st.text(max_size=300))
def test_any_title_gives_one_portable_name_part(title):
    part = model.safe_part(title)
    assert part and len(part) <= model.NAME_PART_CHARS + 1
    assert not set(part) & set('/\\:*?"<>|') and part.isprintable()
    assert not part.startswith(".") and not part.endswith((".", " "))
    name = model.recording_name(title, title, FRIDAY, "mp3")
    assert len(name.encode()) <= 255 and "/" not in name


def test_a_program_is_found_whatever_the_case_accents_and_punctuation():
    programs = [prog("Here & Now", FRIDAY), prog("Café Society", FRIDAY + timedelta(hours=1))]
    assert model.airings(programs, "here and now") == [programs[0]]
    assert model.airings(programs, "CAFE SOCIETY!") == [programs[1]]
    assert model.airings(programs, "Here") == []


def test_the_error_names_the_closest_programs():
    programs = week(FRIDAY, ("1A", "Up To Date", "Fresh Air", "Here & Now"))
    err = model.no_such_program("kcur", "Up To Dat", programs)
    assert str(err).startswith('no program "Up To Dat" on kcur\'s schedule today or tomorrow')
    assert '"Up To Date"' in str(err) and err.exit_code == 2
    assert model.closest_titles(programs, "fresh")[0] == "Fresh Air"
    assert model.closest_titles(programs, "zzzz") == ["1A", "Up To Date", "Fresh Air"]


def test_the_airing_on_now_or_the_next_one():
    programs = week(FRIDAY)
    on_now = model.next_airing(programs, "1A", FRIDAY, tz=TZ)
    assert on_now.start == FRIDAY.replace(minute=0)  # 9:00-10:00 is on at 9:30
    nxt = model.next_airing(programs, "1A", FRIDAY, tz=TZ, on_now=False)
    assert nxt.start == FRIDAY.replace(minute=0) + timedelta(days=1)
    later = model.next_airing(programs, "Up To Date", FRIDAY, tz=TZ)
    assert later.start == FRIDAY.replace(hour=10, minute=0)


def test_weekday_daily_and_weekly_rules():
    programs = week(FRIDAY)
    after_friday = FRIDAY + timedelta(hours=2)  # Friday's airings are over
    weekday = model.next_airing(programs, "1A", after_friday, rule="weekday", tz=TZ)
    assert weekday.start.weekday() == 0  # Saturday and Sunday skipped: Monday
    daily = model.next_airing(programs, "1A", after_friday, rule="daily", tz=TZ)
    assert daily.start.weekday() == 5
    weekly = model.next_airing(programs, "1A", FRIDAY - timedelta(days=1), rule="weekly",
                               tz=TZ, weekday=4)
    assert weekly.start.date() == FRIDAY.date()


def test_an_airing_recorded_already_is_not_taken_again():
    programs = week(FRIDAY)
    first = model.next_airing(programs, "1A", FRIDAY, tz=TZ)
    again = model.next_airing(programs, "1A", FRIDAY, tz=TZ, after_start=first.start)
    assert again.start == first.start + timedelta(days=1)


def test_the_weekday_is_the_stations_not_utc():
    late_friday = datetime(2025, 5, 16, 20, 0, tzinfo=TZ)  # Saturday 01:00 UTC
    assert model.rule_allows("weekday", late_friday, TZ)
    assert not model.rule_allows("weekday", late_friday, ZoneInfo("UTC"))


def test_following_a_moved_or_shortened_airing():
    airing = prog("1A", FRIDAY.replace(minute=0))
    shorter = prog("1A", airing.start, 40)
    moved = prog("1A", airing.start + timedelta(minutes=60))  # no overlap, an hour later
    assert model.follow([shorter, prog("Other", airing.start + timedelta(minutes=40))],
                        airing) == shorter
    assert model.follow([moved], airing) == moved
    assert model.follow([prog("1A", airing.start + timedelta(hours=5))], airing) is None
    assert model.follow([], airing) is None


def test_a_plan_spans_the_airing_and_its_padding():
    airing = prog("1A", FRIDAY.replace(minute=0), hosts=("Jenn White",))
    plan = model.plan_for("kcur", "KCUR 89.3", airing, TZ, padding_s=30)
    assert plan.begin_ts == airing.start_ts - 30 and plan.cut_ts == airing.end_ts + 30
    assert plan.hosts == ("Jenn White",)
    shorter = plan.moved_to(prog("1A", airing.start, 40))
    assert shorter.start == plan.start and shorter.cut_ts == airing.start_ts + 2400 + 30


def test_padding_is_checked():
    assert model.check_padding(30) == 30.0
    with pytest.raises(BadInput):
        model.check_padding(-1)
