"""Up Next in a real window, against the demo Composer server and an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from player.stations import ScheduleSource, Station
from tests.support.clock import ManualClock
from tests.support.demo_data import STATIONS, DemoSite, demo_programs
from tests.support.tasks import task_runner
from tests.ui.conftest import screenshot, wait_until
from ui.markup import escape

pytestmark = pytest.mark.gui
NEWS, CLASSICAL = STATIONS
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def clock():
    return ManualClock(datetime(2026, 11, 27, 10, 7, 30, tzinfo=CHICAGO))


@pytest.fixture
def site(tmp_path, clock):
    server = DemoSite(tmp_path, clock=clock).start()
    yield server
    server.close()


def catalogue_station(demo, site: DemoSite) -> Station:
    return Station(id=demo.id, name=demo.name, tagline=demo.tagline, city=demo.city,
                   timezone=demo.timezone, homepage=None, logo=None, streams=(),
                   schedule=ScheduleSource("composer", demo.ucs, f"{site.base_url}/v1"),
                   news_feed=None)


@pytest.fixture
def guide(tmp_path, clock):
    from infra.http import HttpClient
    from schedule.controller import GuideController

    http = HttpClient(cache_dir=tmp_path / "http", expire_after_s=0)  # always ask the server
    controller = GuideController(http, clock=clock, local_tz=CHICAGO, tasks=task_runner())
    yield controller
    controller.shutdown()
    http.close()


@pytest.fixture
def panel(guide, show):
    from ui.up_next import UpNextPanel

    return show(UpNextPanel(guide))


def test_on_now_up_next_and_later_today_for_the_clock(panel, guide, site, window) -> None:
    guide.set_station(catalogue_station(NEWS, site))
    wait_until(lambda: panel.now_title, 10, "the schedule")
    assert panel.ids.heading.text == "Up Next on KDMO 90.1"
    assert panel.ids.now_title.text == "Morning Edition"  # the 10:00 slot, 40 % 8 == 0
    assert panel.ids.now_hosts.text == "with Steve Inskeep and Leila Fadel"
    assert panel.ids.now_times.text == "10:00 AM – 10:15 AM CST"
    assert panel.now_fraction == pytest.approx(0.5)
    assert panel.ids.now_left.text == "7:30 / 15:00"
    assert panel.ids.next_title.text == "Up To Date"
    assert panel.ids.next_time.text == "10:15 AM CST"
    assert panel.ids.message.text == ""
    rows = panel.ids.later.data
    day = demo_programs(NEWS, clock_day(guide))
    later = [p for p in day if p.start >= datetime(2026, 11, 27, 10, 30, tzinfo=CHICAGO)]
    assert [r["title_text"] for r in rows] == [escape(p.title) for p in later]
    assert rows[0]["time_text"] == "10:30 AM CST"
    screenshot(window, "up-next")


def clock_day(guide):
    return guide.clock().astimezone(CHICAGO).date()


def test_station_zone_shown_when_it_differs(panel, guide, site, window) -> None:
    guide.set_station(catalogue_station(CLASSICAL, site))
    wait_until(lambda: panel.now_title, 10, "the schedule")
    # 10:07 CST is 11:07 EST: the 11:00 slot, 44 % 5 == 4
    assert panel.ids.now_title.text == "Evening Music"
    assert panel.ids.now_hosts.text == ""  # an empty host name is not shown
    assert panel.ids.now_times.text == "10:00 AM – 10:15 AM CST (11:00 AM – 11:15 AM EST)"
    assert panel.ids.next_time.text == "10:15 AM CST (11:15 AM EST)"
    assert panel.ids.later.data[0]["time_text"] == "10:30 AM CST\n(11:30 AM EST)"
    window.size = (340, 340)  # the panel's size beside the station list in the app
    screenshot(window, "up-next-small-other-zone")


def test_moves_on_at_the_program_boundary_without_a_click(panel, guide, site, clock,
                                                          window) -> None:
    guide.set_station(catalogue_station(NEWS, site))
    wait_until(lambda: panel.now_title == "Morning Edition", 10, "the schedule")
    clock.now += timedelta(minutes=7, seconds=31)  # 10:15:01
    wait_until(lambda: panel.ids.now_title.text == "Up To Date", 5, "the next program")
    assert panel.ids.next_title.text == "1A"
    assert panel.ids.now_left.text == "0:01 / 15:00"
    clock.now += timedelta(hours=1)  # 11:15:01, 45 % 8 == 5: "[Jazz] Night in America"
    wait_until(lambda: panel.ids.now_title.text == escape("[Jazz] Night in America"), 5,
               "the jazz hour")
    label = panel.ids.now_title
    label.texture_update()
    assert "".join(w.text for line in label._label._cached_lines
                   for w in line.words) == "[Jazz] Night in America"
    screenshot(window, "up-next-boundary")


def test_station_without_a_guide_says_so(panel, guide) -> None:
    bare = Station(id="x", name="KXXX", tagline="", city="", timezone="America/Chicago",
                   homepage=None, logo=None, streams=(), schedule=None, news_feed=None)
    guide.set_station(bare)
    wait_until(lambda: panel.ids.message.text, 5, "the message")
    assert panel.ids.message.text == "No program guide for KXXX"
    assert panel.ids.now_title.text == "" and panel.ids.later.data == []


def test_unreachable_source_is_shown(panel, guide, site, window) -> None:
    station = catalogue_station(NEWS, site)
    site.close()
    guide.set_station(station)
    wait_until(lambda: panel.ids.message.text, 20, "the failure message")
    assert guide.status == "unavailable"
    assert panel.ids.message.text.startswith("Schedule unavailable: NPR Composer")
    assert panel.ids.now_title.text == ""
    screenshot(window, "up-next-unavailable")


def test_later_today_stops_at_the_station_midnight(panel, guide, site, clock) -> None:
    clock.now = datetime(2026, 11, 27, 23, 50, tzinfo=CHICAGO)
    guide.set_station(catalogue_station(NEWS, site))
    wait_until(lambda: panel.now_title and panel.next_title, 10, "the schedule")
    assert panel.ids.now_title.text == "The World"  # 23:45, slot 95 % 8 == 7
    assert panel.ids.next_title.text == "Morning Edition"  # tomorrow's first program
    assert panel.ids.next_time.text == "12:00 AM CST"
    assert any(p.start.date().day == 28 for p in guide.today), "tomorrow was fetched"
    assert panel.ids.later.data == []


def test_stale_copy_keeps_the_programs_and_says_from_when(panel, guide, site, window) -> None:
    guide.set_station(catalogue_station(NEWS, site))
    wait_until(lambda: panel.now_title == "Morning Edition", 10, "the schedule")
    site.close()
    guide.refresh()
    wait_until(lambda: panel.ids.message.text, 20, "the stale message")
    assert guide.status == "stale"
    assert panel.ids.message.text.startswith("Schedule unavailable: NPR Composer (showing ")
    assert panel.ids.now_title.text == "Morning Edition" and panel.ids.later.data
    screenshot(window, "up-next-stale")
