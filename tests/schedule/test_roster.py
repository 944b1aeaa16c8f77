"""On now at the other stations (StationRoster, owned by GuideController), against a real
loopback Composer server: fetched in the background, politely, and never twice for the
selected station."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from player.stations import ScheduleSource
from schedule.controller import GuideController
from tests.schedule.conftest import pump
from tests.support.metadata_server import (
    CHICAGO,
    KCUR_UCS,
    composer_station,
    demo_day,
    grove_homepage,
    hourly,
    serve_composer,
)
from tests.support.tasks import task_runner

DAY = date(2025, 5, 14)
KCUR, WKAR = KCUR_UCS, "5194b3d1e1c8f9c2d4a7b6e0"


def day_requests(server, ucs: str) -> list[str]:
    """The dates asked of one station's /day, in order."""
    return [req.args["date"] for req, _ in server.log if req.path.endswith(f"/{ucs}/day")]


@pytest.fixture
def two_stations(httpserver):
    """KCUR (the demo weekday) and WKAR (hourly programs) on one Composer server."""
    days = [DAY - timedelta(days=1), DAY, DAY + timedelta(days=1)]
    headers = {"Cache-Control": "no-cache", "ETag": '"v1"'}
    base = serve_composer(httpserver, {d: demo_day(d) for d in days}, ucs=KCUR, headers=headers)
    serve_composer(httpserver, {d: hourly(CHICAGO, d) for d in days}, ucs=WKAR, headers=headers)
    return (composer_station(base, "kcur", ucs=KCUR),
            composer_station(base, "wkar", ucs=WKAR))


def make_guide(http, clock, stations):
    return GuideController(http, clock=clock, stations=stations, tasks=task_runner())


def settle(ctl: GuideController) -> None:
    """Tick until neither the guide nor the roster has a fetch running."""
    for _ in range(10):
        ctl.tick()
        assert pump(lambda: ctl._task is None and ctl.roster._task is None)


def test_the_other_station_is_fetched_after_the_selected_one(httpserver, http, clock,
                                                              two_stations):
    kcur, wkar = two_stations
    ctl = make_guide(http, clock, two_stations)
    changes = []
    ctl.roster.bind(changed=lambda *_: changes.append(1))
    ctl.set_station(kcur)
    settle(ctl)
    assert ctl.on_now_for("kcur").title == "1A"
    assert ctl.on_now_for("wkar").title == "Hour 10"
    assert changes, "the station list is told"
    assert day_requests(httpserver, KCUR) == ["2025-05-14"], "the roster never re-asks kcur"
    assert day_requests(httpserver, WKAR) == ["2025-05-14"]
    first_kcur = next(i for i, (req, _) in enumerate(httpserver.log) if KCUR in req.path)
    first_wkar = next(i for i, (req, _) in enumerate(httpserver.log) if WKAR in req.path)
    assert first_kcur < first_wkar, "the selected station's guide goes first"
    ctl.shutdown()


def test_on_now_follows_the_clock_and_the_day_is_asked_politely(httpserver, http, clock,
                                                                 two_stations):
    ctl = make_guide(http, clock, two_stations)
    ctl.set_station(two_stations[0])
    settle(ctl)
    for _minute in range(5 * 60):  # 9:30 to 14:30: WKAR's hourly boundaries are not a reason
        clock.now += timedelta(minutes=1)
        ctl.tick()
        assert pump(lambda: ctl.roster._task is None)
    assert ctl.on_now_for("wkar").title == "Hour 15"
    assert day_requests(httpserver, WKAR) == ["2025-05-14"]
    clock.now = datetime(2025, 5, 14, 21, 29, tzinfo=CHICAGO)  # 6 h is no reason either
    settle(ctl)
    assert day_requests(httpserver, WKAR) == ["2025-05-14"]
    clock.now = datetime(2025, 5, 14, 21, 30, tzinfo=CHICAGO)  # 12 h after the fetch
    settle(ctl)
    assert day_requests(httpserver, WKAR) == ["2025-05-14"] * 2
    clock.now = datetime(2025, 5, 15, 0, 5, tzinfo=CHICAGO)  # after station-local midnight
    settle(ctl)
    assert day_requests(httpserver, WKAR)[-1] == "2025-05-15"
    assert ctl.on_now_for("wkar").title == "Hour 1"
    ctl.shutdown()


def test_a_failing_station_backs_off_and_keeps_nothing_invented(httpserver, http, clock):
    httpserver.expect_request(f"/v1/widget/{WKAR}/day").respond_with_data("down", status=503)
    kcur = composer_station(None, "kcur")
    wkar = composer_station(httpserver.url_for("/v1"), "wkar", ucs=WKAR)
    ctl = make_guide(http, clock, (kcur, wkar))
    ctl.set_station(kcur)
    settle(ctl)
    assert ctl.on_now_for("wkar") is None
    first = len(day_requests(httpserver, WKAR))  # the HTTP layer itself retries a 503
    assert first >= 1
    clock.now += timedelta(minutes=9)
    settle(ctl)
    assert len(day_requests(httpserver, WKAR)) == first, "no new attempt before 10 minutes"
    clock.now += timedelta(minutes=2)
    settle(ctl)
    assert len(day_requests(httpserver, WKAR)) > first
    ctl.shutdown()


def test_composer_id_read_from_the_homepage_and_stations_without_a_guide_never_asked(
        httpserver, http, clock, two_stations):
    kcur, wkar = two_stations
    httpserver.expect_request("/wkar-home").respond_with_data(
        grove_homepage("WKAR 90.5", ucs=WKAR), content_type="text/html")
    wkar = replace(wkar, homepage=httpserver.url_for("/wkar-home"),
                   schedule=ScheduleSource("composer", None, httpserver.url_for("/v1")))
    silent = composer_station(None, "nogd")
    ctl = make_guide(http, clock, (kcur, wkar, silent))
    ctl.set_station(kcur)
    settle(ctl)
    assert ctl.on_now_for("wkar").title == "Hour 10"
    assert ctl.on_now_for("nogd") is None
    assert {req.path for req, _ in httpserver.log} == {
        f"/v1/widget/{KCUR}/day", "/wkar-home", f"/v1/widget/{WKAR}/day"}
    ctl.shutdown()


def test_switching_shows_the_roster_programs_at_once(httpserver, http, clock, two_stations):
    ctl = make_guide(http, clock, two_stations)
    ctl.set_station(two_stations[0])
    settle(ctl)
    ctl.set_station(two_stations[1])
    assert ctl.current.title == "Hour 10", "shown before the guide's own fetch returns"
    settle(ctl)
    assert ctl.status == "ok"
    ctl.shutdown()
