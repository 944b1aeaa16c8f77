"""Property tests: whatever a server sends, the Composer parsers give programs or our error."""

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.errors import OnAirError
from schedule.composer import day_programs, now_programs, parse_day, parse_js_date
from tests.support.metadata_server import airing_json, demo_day

TZ = ZoneInfo("America/Chicago")
DAY = date(2025, 5, 14)

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
json_values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
    st.text(max_size=12), kids, max_size=5), max_leaves=30)
field_names = st.sampled_from(["date", "start_time", "end_time", "start_utc", "end_utc",
                               "fullstart", "fullend", "program", "program.name",
                               "program.hosts", "program.program_link", "program.program_desc"])


def check_programs(programs) -> None:
    for p in programs:
        assert isinstance(p.title, str) and p.title
        assert p.start.tzinfo is not None and p.end > p.start
        assert all(isinstance(h, str) and h for h in p.hosts)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json_gives_programs_or_our_error(value):
    data = json.dumps(value).encode()
    for doc in (data, json.dumps({"onToday": value}).encode(),
                json.dumps({"onNow": value, "nextUp": value}).encode()):
        try:
            check_programs(parse_day(doc, TZ, DAY))
        except OnAirError:
            pass
        try:
            now, nxt = now_programs(doc, TZ, DAY)
            check_programs([now] if now else [])
            check_programs(nxt)
        except ValueError:
            pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_programs_or_our_error(data):
    try:
        check_programs(parse_day(data, TZ, DAY))
    except OnAirError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(field_names, json_values), max_size=6), st.integers(0, 12))
def test_real_items_with_fields_broken_stay_safe(changes, index):
    item = airing_json(demo_day(DAY)[index], TZ)
    for name, value in changes:
        target = item["program"] if name.startswith("program.") and isinstance(
            item.get("program"), dict) else item
        target[name.removeprefix("program.")] = value
    try:
        check_programs(day_programs(json.dumps({"onToday": [item]}).encode(),
                                    TZ, DAY))
    except ValueError:
        pass


@given(st.text(max_size=60))
def test_js_dates_parse_or_give_none(text):
    moment = parse_js_date(text)
    assert moment is None or moment.utcoffset() is not None


@pytest.mark.parametrize("offset", ["+0000", "-0500", "+0530", "-1200", "+1400"])
def test_js_date_offsets(offset):
    moment = parse_js_date(f"Sun Mar 09 2025 03:00:00 GMT{offset} (X)")
    sign = -1 if offset[0] == "-" else 1
    expected = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:])) * sign
    assert moment.utcoffset() == expected and moment.replace(tzinfo=None) == datetime(
        2025, 3, 9, 3)
