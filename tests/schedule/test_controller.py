"""GuideController with the Kivy clock pumped: loading, ticking, polite refresh, failures."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from infra.timefmt import copy_time
from schedule.controller import GuideController
from tests.schedule.conftest import pump
from tests.support.metadata_server import (
    CHICAGO,
    KCUR_UCS,
    composer_station,
    demo_day,
    grove_homepage,
    serve_composer,
)
from tests.support.tasks import task_runner

DAY = date(2025, 5, 14)
EASTERN = ZoneInfo("America/New_York")


def day_requests(server) -> int:
    return sum(1 for req, _ in server.log if req.path.endswith("/day"))


@pytest.fixture
def controller(http, clock):
    ctl = GuideController(http, clock=clock, local_tz=EASTERN, tasks=task_runner())
    yield ctl
    ctl.shutdown()


def serve_day(httpserver) -> str:
    return serve_composer(httpserver, {DAY: demo_day(DAY)},
                          headers={"Cache-Control": "no-cache", "ETag": '"day-v1"'})


def test_loads_the_day_and_tells_the_views(httpserver, controller):
    seen = []
    controller.bind(current=lambda _c, value: seen.append(value))
    controller.set_station(composer_station(serve_day(httpserver)))
    assert controller.status == "loading"
    assert pump(lambda: controller.status == "ok")
    assert controller.current.title == "1A" and controller.up_next.title == "Up To Date"
    assert len(controller.today) == 13 and controller.fetched_at is not None
    assert [p.title for p in seen] == ["1A"]
    assert controller.on_now_for("kcur").title == "1A"


def test_ticks_across_a_boundary_without_asking_the_server(httpserver, controller, clock):
    controller.set_station(composer_station(serve_day(httpserver)))
    assert pump(lambda: controller.status == "ok")
    clock.now = datetime(2025, 5, 14, 10, 0, tzinfo=CHICAGO)
    controller.tick()
    assert controller.current.title == "Up To Date" and controller.up_next.title == "Here & Now"
    assert day_requests(httpserver) == 1


def test_refreshes_politely_over_a_simulated_afternoon(httpserver, controller, clock):
    controller.set_station(composer_station(serve_day(httpserver)))
    assert pump(lambda: controller.status == "ok")
    for _minute in range(6 * 60):  # 9:30 to 15:30, the UI ticks every second; minutes suffice
        clock.now += timedelta(minutes=1)
        controller.tick()
        assert pump(lambda: controller._task is None)
    assert 4 <= day_requests(httpserver) <= 1 + 6  # one at each start, at most hourly-ish
    statuses = [resp.status_code for req, resp in httpserver.log]
    assert statuses[0] == 200 and set(statuses[1:]) == {304}
    assert controller.status == "ok" and controller.current.title == "The World"


def test_source_failure_keeps_the_programs_and_says_from_when(httpserver, controller, clock):
    controller.set_station(composer_station(serve_day(httpserver)))
    assert pump(lambda: controller.status == "ok")
    httpserver.clear()
    httpserver.expect_request(f"/v1/widget/{KCUR_UCS}/day").respond_with_data("down", status=503)
    controller.refresh()
    assert pump(lambda: controller.status == "stale")
    when = copy_time(controller.fetched_at, EASTERN)
    assert controller.message == f"Schedule unavailable: NPR Composer (showing {when} copy)"
    assert controller.current.title == "1A" and len(controller.today) == 13


def test_failure_without_a_copy_is_unavailable(httpserver, controller):
    httpserver.expect_request(f"/v1/widget/{KCUR_UCS}/day").respond_with_data("no", status=404)
    controller.set_station(composer_station(httpserver.url_for("/v1")))
    assert pump(lambda: controller.status == "unavailable")
    assert controller.message == "Schedule unavailable: NPR Composer: HTTP 404 NOT FOUND"
    assert controller.current is None and controller.today == []


def test_station_without_a_schedule(controller):
    controller.set_station(composer_station(None))
    assert controller.status == "none" and controller.message == "No program guide for KCUR 89.3"
    controller.set_station(None)
    assert controller.status == "idle" and controller.station is None


def test_a_station_seen_before_still_answers_on_now_for(httpserver, controller):
    controller.set_station(composer_station(serve_day(httpserver)))
    assert pump(lambda: controller.status == "ok")
    controller.set_station(composer_station(None, station_id="wkar"))
    assert controller.on_now_for("kcur").title == "1A"
    assert controller.on_now_for("wkar") is None and controller.on_now_for("nope") is None


def test_the_program_on_now_can_be_watched_through_fbind(httpserver, controller, clock):
    """kv rules bind with fbind: `current` must notify them, and stop after unbind_uid."""
    calls = []
    uid = controller.fbind("current", lambda _c, value: calls.append(value))
    controller.set_station(composer_station(serve_day(httpserver)))
    assert pump(lambda: controller.status == "ok") and [p.title for p in calls] == ["1A"]
    controller.unbind_uid("current", uid)
    clock.now = datetime(2025, 5, 14, 10, 0, tzinfo=CHICAGO)
    controller.tick()
    assert controller.current.title == "Up To Date" and len(calls) == 1


def test_after_station_midnight_the_new_day_is_fetched(httpserver, controller, clock):
    tomorrow = DAY + timedelta(days=1)
    base = serve_composer(httpserver, {DAY: demo_day(DAY), tomorrow: demo_day(tomorrow)},
                          headers={"Cache-Control": "no-cache", "ETag": '"d"'})
    clock.now = datetime(2025, 5, 14, 23, 30, tzinfo=CHICAGO)
    controller.set_station(composer_station(base))
    assert pump(lambda: controller.status == "ok")
    assert controller.up_next.start == datetime(2025, 5, 15, 0, 0, tzinfo=CHICAGO)
    for _minute in range(40):
        clock.now += timedelta(minutes=1)
        controller.tick()
        assert pump(lambda: controller._task is None)
    asked = [req.args["date"] for req, _ in httpserver.log]
    assert asked[-1] == "2025-05-15" and len(asked) <= 4
    assert controller.current.start == datetime(2025, 5, 15, 0, 0, tzinfo=CHICAGO)
    assert controller.up_next.title == "Morning Edition"


def test_a_guide_read_from_the_homepage_is_retried_after_the_site_fails(
        httpserver, controller, clock):
    """KCUR's Composer id is only on its website: a failed read is retried with backoff."""
    base = serve_day(httpserver)
    home = httpserver.url_for("/home")
    station = composer_station(base)
    station = replace(station, homepage=home, schedule=replace(station.schedule, ucs=None))
    httpserver.expect_ordered_request("/home").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/home").respond_with_data("down", status=503)
    httpserver.expect_ordered_request("/home").respond_with_data("down", status=503)
    controller.set_station(station)
    assert pump(lambda: controller.status == "unavailable")
    assert controller.message.startswith("Schedule unavailable: KCUR 89.3 website: ")
    controller.tick()
    assert controller.status == "unavailable"  # backing off: no new request yet
    httpserver.expect_request("/home").respond_with_data(
        grove_homepage(), content_type="text/html; charset=utf-8")
    clock.now += timedelta(minutes=3)
    controller.tick()
    assert pump(lambda: controller.status == "ok")
    assert controller.current is not None and controller.current.title == "1A"
