"""Composer payloads with every trap of REFERENCE.md section 3, served on loopback."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from werkzeug import Response

from infra.errors import SourceUnavailable
from infra.http import HttpClient
from player.stations import ScheduleSource
from schedule import guide
from schedule.composer import ComposerClient, parse_js_date
from tests.support.metadata_server import (
    CHICAGO,
    KCUR_UCS,
    Airing,
    day_payload,
    demo_day,
    hourly,
    now_payload,
    serve_composer,
)

DAY = date(2025, 5, 14)
DAY_PATH = f"/v1/widget/{KCUR_UCS}/day"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def chi(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=CHICAGO)


@pytest.fixture
def http(tmp_path):
    client = HttpClient(tmp_path, timeout=(1.0, 1.0), deadline_s=3.0)
    yield client
    client.close()


def client_for(httpserver, http, tz=CHICAGO) -> ComposerClient:
    return ComposerClient(http, ScheduleSource("composer", KCUR_UCS,
                                               httpserver.url_for("/v1")), tz)


def serve_items(httpserver, items: list[dict], path: str = DAY_PATH) -> None:
    httpserver.expect_request(path).respond_with_json({"onToday": items})


def item(start_time: str, end_time: str, name: str = "Show", **fields) -> dict:
    return {"date": DAY.isoformat(), "start_time": start_time, "end_time": end_time,
            "program": {"name": name, "hosts": []}, **fields}


def test_a_full_day_in_the_real_shape(httpserver, http):
    serve_composer(httpserver, {DAY: demo_day(DAY)})
    day = client_for(httpserver, http).day(DAY)
    titles = [p.title for p in day.programs]
    assert titles[:3] == ["BBC World Service", "Morning Edition", "1A"] and len(titles) == 13
    morning = day.programs[1]
    assert (morning.start, morning.end) == (chi(DAY, 5), chi(DAY, 9))
    assert morning.hosts == ("Steve Inskeep", "Leila Fadel")  # the empty host name is gone
    assert morning.description == "The day's news, analysis & conversation."
    assert day.programs[-1].end == chi(DAY + timedelta(days=1), 0)
    assert not day.stale
    request = httpserver.log[0][0]
    assert request.args["date"] == "2025-05-14" and request.args["format"] == "json"


def test_start_utc_is_a_javascript_date_in_local_time():
    moment = parse_js_date("Wed May 14 2025 09:00:00 GMT-0500 (Central Daylight Time)")
    assert moment == at("2025-05-14T14:00:00+00:00")
    assert parse_js_date("Wed May 14 2025 09:00:00 GMT+0100 (BST)") == at("2025-05-14T08:00Z")
    assert parse_js_date("2025-05-14T14:00:00.000Z") == at("2025-05-14T14:00Z")
    for bad in ["", "Wed Foo 14 2025 09:00:00 GMT-0500", "2025-05-14 09:00", None, 42]:
        assert parse_js_date(bad) is None


def test_start_utc_wins_over_wall_clock_and_wall_clock_is_the_fallback(httpserver, http):
    serve_items(httpserver, [
        item("09:00", "10:00", "From start_utc", fullstart="garbage",
             start_utc="Wed May 14 2025 09:00:00 GMT-0500 (CDT)",
             end_utc="Wed May 14 2025 10:00:00 GMT-0500 (CDT)"),
        item("10:00", "11:00", "From fullstart", start_utc="not a date",
             fullstart="2025-05-14 10:00", fullend="2025-05-14 11:00"),
        item("11:00", "12:30", "From date and start_time"),
        item("1:00 PM", "2:15 pm", "Twelve-hour clock"),
    ])
    programs = client_for(httpserver, http).day(DAY).programs
    assert [(p.title, p.start, p.end) for p in programs] == [
        ("From start_utc", chi(DAY, 9), chi(DAY, 10)),
        ("From fullstart", chi(DAY, 10), chi(DAY, 11)),
        ("From date and start_time", chi(DAY, 11), chi(DAY, 12, 30)),
        ("Twelve-hour clock", chi(DAY, 13), chi(DAY, 14, 15)),
    ]


def test_end_00_00_is_next_midnight_and_23_59_means_midnight(httpserver, http):
    serve_items(httpserver, [item("22:00", "23:59", "Late"), item("23:00", "00:00", "Last"),
                             item("21:00", "00:00", "Before", fullend="2025-05-14 00:00")])
    programs = {p.title: p for p in client_for(httpserver, http).day(DAY).programs}
    midnight = chi(DAY + timedelta(days=1), 0)
    assert programs["Late"].end == midnight and programs["Last"].end == midnight
    assert programs["Before"].end == midnight  # fullend "00:00" on the same date too


def test_missing_and_null_fields(httpserver, http):
    serve_items(httpserver, [
        {"date": None, "start_time": "05:00", "end_time": None, "program": None,
         "fullstart": "2025-05-14 05:00"},
        {"fullstart": "2025-05-14 06:00", "program": {"name": "Hosts null", "hosts": None,
                                                      "program_desc": None,
                                                      "program_link": "javascript:x"}},
        {"start_time": None, "program": {"name": "No start"}},
        "not an object",
    ])
    programs = client_for(httpserver, http).day(DAY).programs
    assert [p.title for p in programs] == ["Untitled program", "Hosts null"]
    assert programs[0].end == programs[1].start  # a missing end runs to the next start
    assert programs[1].end == chi(DAY + timedelta(days=1), 0)  # ...or to midnight
    assert programs[1].hosts == () and programs[1].description == "" and programs[1].url is None


def test_a_gap_stays_a_gap(httpserver, http):
    serve_items(httpserver, [item("09:00", "10:00", "A"), item("11:00", "12:00", "B")])
    programs = client_for(httpserver, http).day(DAY).programs
    assert guide.on_now(programs, chi(DAY, 10, 30)) is None
    assert guide.up_next(programs, chi(DAY, 10, 30)).title == "B"


def test_now_with_time_only_fullstart_and_empty_next_up(httpserver, http):
    show = Airing("All Things Considered", chi(DAY, 16), chi(DAY, 18, 30), ("",))
    payload = now_payload(show, [], CHICAGO, time_only_fullstart=True)
    for key in ("start_utc", "end_utc"):
        payload["onNow"][key] = None
    httpserver.expect_request(f"/v1/widget/{KCUR_UCS}/now").respond_with_json(payload)
    on_now, up_next, fetched = client_for(httpserver, http).now(DAY)
    assert (on_now.start, on_now.end, on_now.hosts) == (chi(DAY, 16), chi(DAY, 18, 30), ())
    assert up_next == [] and not fetched.stale


@pytest.mark.parametrize(("day", "hours"), [(date(2025, 3, 9), 23), (date(2025, 11, 2), 25)])
def test_daylight_saving_days(httpserver, http, day, hours):
    serve_composer(httpserver, {day: hourly(CHICAGO, day)})
    programs = client_for(httpserver, http).day(day).programs
    assert len(programs) == hours
    assert sum(p.duration_s for p in programs) == hours * 3600
    assert all(a.end == b.start for a, b in zip(programs, programs[1:], strict=False))


def test_fall_back_day_wall_clock_only_still_adds_up(httpserver, http):
    day = date(2025, 11, 2)
    serve_items(httpserver, [
        {"date": "2025-11-02", "start_time": "00:00", "end_time": "05:00",
         "program": {"name": "Overnight"}}], path=DAY_PATH)
    (program,) = client_for(httpserver, http).day(day).programs
    assert program.duration_s == 6 * 3600  # 00:00 CDT to 05:00 CST


def test_repeated_hour_on_fall_back_day_is_told_apart(httpserver, http):
    day = date(2025, 11, 2)
    serve_composer(httpserver, {day: hourly(CHICAGO, day)})
    programs = client_for(httpserver, http).day(day).programs
    first = guide.on_now(programs, at("2025-11-02T01:30:00-05:00"))
    second = guide.on_now(programs, at("2025-11-02T01:30:00-06:00"))
    assert (first.title, second.title) == ("Hour 2", "Hour 3")


def test_listener_in_another_zone_gets_the_same_instants(httpserver, http):
    serve_composer(httpserver, {DAY: demo_day(DAY)})
    programs = client_for(httpserver, http).day(DAY).programs
    tokyo = at("2025-05-14T09:00:00-05:00").astimezone(ZoneInfo("Asia/Tokyo"))
    assert guide.on_now(programs, tokyo).title == "1A"


def test_markup_and_html_in_text_come_out_plain(httpserver, http):
    serve_items(httpserver, [item("19:00", "20:00", "[color=ff0000]Live[/color] <b>now</b>",
                                  program={"name": "[b]Live[/b] &amp; <i>loud</i>",
                                           "program_desc": "<script>x()</script><p>Hi</p>",
                                           "hosts": [{"name": " A "}, {"name": "A"}]})])
    (program,) = client_for(httpserver, http).day(DAY).programs
    assert program.title == "[b]Live[/b] & loud"
    assert program.description == "Hi" and program.hosts == ("A",)


@pytest.mark.parametrize(("body", "ctype", "why"), [
    (b"<html>Service Unavailable</html>", "text/html", "not JSON (text/html, 32 bytes)"),
    (b"", "application/json", "not JSON (application/json, 0 bytes)"),
    (b'{"onToday": [', "application/json", "not JSON"),
    (b"[]", "application/json", "a JSON list, not an object"),
    (b'{"error": "no such ucs"}', "application/json", "no onToday list"),
    (b'{"onToday": [{"program": {}}]}', "application/json", "no usable program in onToday"),
])
def test_unusable_answers_are_clear_errors(httpserver, http, body, ctype, why):
    httpserver.expect_request(DAY_PATH).respond_with_response(Response(body, content_type=ctype))
    with pytest.raises(SourceUnavailable) as err:
        client_for(httpserver, http).day(DAY)
    message = str(err.value)
    assert message.startswith("NPR Composer: unexpected answer: ") and why in message
    assert httpserver.url_for(DAY_PATH) in message


def test_unusable_answer_falls_back_to_the_stale_copy(httpserver, http):
    good = json.dumps(day_payload(demo_day(DAY), CHICAGO, DAY))
    httpserver.expect_oneshot_request(DAY_PATH).respond_with_data(
        good, content_type="application/json", headers={"Cache-Control": "no-cache"})
    client = client_for(httpserver, http)
    client.day(DAY)
    httpserver.expect_request(DAY_PATH).respond_with_json({"unexpected": True})
    day = client.day(DAY)
    assert day.stale and len(day.programs) == 13 and "no onToday list" in day.problem


def test_around_midnight_takes_the_neighbouring_days(httpserver, http):
    before = DAY - timedelta(days=1)
    serve_composer(httpserver, {
        before: [Airing("Overnight", chi(before, 23), chi(DAY, 1))],
        DAY: [Airing("Early", chi(DAY, 1), chi(DAY, 23))],
        DAY + timedelta(days=1): [Airing("Tomorrow", chi(DAY, 23), chi(DAY, 23, 59))],
    })
    client = client_for(httpserver, http)
    programs = client.around(chi(DAY, 0, 30)).programs
    assert guide.on_now(programs, chi(DAY, 0, 30)).title == "Overnight"
    late = client.around(chi(DAY, 22, 59)).programs
    assert guide.up_next(late, chi(DAY, 22, 59)).title == "Tomorrow"
