"""Notifications: the wording, the Notify call, a real notification daemon (dunst on a
private bus under Xvfb, every Notify call also read off the bus by dbus-monitor), the
program notices over a real guide fetching from a loopback Composer, and no service or no
bus at all.

The whole app playing a real Icecast stream across a program boundary is in
test_notifications_e2e.py.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

import pytest
from kivy.clock import Clock

from desktop.notifications import NAME, Notice, Notifier, notify_call
from desktop.program_notices import (
    ProgramNotices,
    hosts_text,
    offer_hour,
    program_line,
)
from infra.settings import Settings
from news.model import Newscast
from player.stations import Station, Stream
from schedule.model import Program
from tests.support.clock import ManualClock
from tests.support.dbus import PrivateBus
from tests.support.metadata_server import CHICAGO, KCUR_UCS, Airing, serve_composer
from tests.support.notifications import NotificationDaemon, available
from tests.support.tasks import task_runner
from tests.support.wait import wait_until

LOGO = Path(__file__).resolve().parents[2] / "assets" / "logos" / "kcur.png"
needs_daemon = pytest.mark.skipif(not available(),
                                  reason="needs dunst, dunstctl, dbus-monitor and an X display")


def kcur(base_url: str | None = None) -> Station:
    from player.stations import ScheduleSource

    return Station(id="kcur", name="KCUR 89.3", tagline="NPR in Kansas City",
                   city="Kansas City, MO", timezone="America/Chicago", homepage=None,
                   logo=str(LOGO), streams=(Stream("http://127.0.0.1:9/kcur.mp3"),),
                   schedule=ScheduleSource("composer", KCUR_UCS, base_url) if base_url else None,
                   news_feed=None)


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime(2026, 12, 1, hh, mm, ss, tzinfo=CHICAGO)


# -- the words ---------------------------------------------------------------------------
def test_program_line_names_the_program_its_hosts_and_the_station() -> None:
    up_to_date = Program("Up To Date", at(10, 0), at(11, 0), ("Steve Kraske",))
    assert program_line(up_to_date, kcur()) == "Up To Date with Steve Kraske, on KCUR 89.3"
    fresh_air = Program("Fresh Air", at(13, 0), at(15, 0))
    assert program_line(fresh_air, kcur()) == "Fresh Air, on KCUR 89.3"
    assert hosts_text(("Steve Inskeep", "Leila Fadel", "")) == "Steve Inskeep and Leila Fadel"
    assert hosts_text(("A", " ", "B", "C")) == "A, B and C"


def test_the_offer_window_is_the_minutes_before_the_top_of_the_hour() -> None:
    assert offer_hour(at(9, 56, 59), "America/Chicago") is None
    assert offer_hour(at(9, 57), "America/Chicago") == at(10, 0)
    assert offer_hour(at(9, 59, 59), "America/Chicago") == at(10, 0)
    assert offer_hour(at(10, 0), "America/Chicago") is None  # the hour has come
    # Half-hour zones have their own top of the hour.
    assert offer_hour(datetime.fromisoformat("2026-12-01T04:28:00+00:00"), "Asia/Kolkata")


def test_notify_call_carries_the_logo_and_escapes_only_for_markup_servers() -> None:
    notice = Notice("A & B <i>", "Tom & Jerry <b>\x07", icon=LOGO, tag="program",
                    actions=(("default", "Play the newscast"),))
    app, replaces, icon, summary, body, actions, hints, timeout = notify_call(
        notice, replaces=7).body
    assert (app, replaces, summary, body, timeout) == ("On Air", 7, "A & B <i>",
                                                       "Tom & Jerry <b>", -1)
    assert icon == LOGO.as_uri() and hints["image-path"] == ("s", LOGO.as_uri())
    assert actions == ["default", "Play the newscast"]
    assert notify_call(notice, markup=True).body[4] == "Tom &amp; Jerry &lt;b&gt;"


# -- the adapter against dunst -----------------------------------------------------------
@pytest.fixture
def bus(tmp_path):
    """A private bus of the test's own that starts no service by itself."""
    with PrivateBus() as private:
        yield private


@pytest.fixture
def dunst(bus, tmp_path):
    if not available():
        pytest.skip("needs dunst, dunstctl, dbus-monitor and an X display")
    with NotificationDaemon(bus, tmp_path / "dunst") as daemon:
        yield daemon


@pytest.fixture
def notifier(bus):
    actions: list[tuple[str, str]] = []
    lock = threading.Lock()

    def on_action(tag: str, action: str) -> None:
        with lock:
            actions.append((tag, action))

    n = Notifier(on_action, bus=bus.address)
    n.actions = actions  # type: ignore[attr-defined]
    yield n
    n.stop()


@needs_daemon
def test_dunst_shows_the_notice_and_its_action_comes_back(dunst, notifier) -> None:
    notifier.start()
    assert notifier.ready.wait(5)
    notifier.notify(Notice("Up To Date with Steve Kraske, on KCUR 89.3", "10:00 – 11:00",
                           icon=LOGO, tag="newscast", actions=(("default", "Play it"),)))
    (call,) = dunst.wait_notifies(1)
    assert call.summary == "Up To Date with Steve Kraske, on KCUR 89.3"
    assert call.app_name == "On Air" and call.hints["image-path"] == ("s", LOGO.as_uri())
    wait_until(lambda: notifier.sent == 1 and dunst.shown() == 1, 5, "dunst holds it",
               interval=0.05)
    dunst.invoke_default()
    wait_until(lambda: notifier.actions == [("newscast", "default")], 5,
               "ActionInvoked reached the handler", interval=0.05)
    notifier.notify(Notice("Next", tag="program"))
    notifier.notify(Notice("After", tag="program"))
    calls = dunst.wait_notifies(3)
    assert [c.summary for c in calls] == ["Up To Date with Steve Kraske, on KCUR 89.3",
                                          "Next", "After"]
    wait_until(lambda: notifier.sent == 3, 5, "all three accepted", interval=0.05)
    assert calls[2].replaces_id != 0, "a new program's notice takes the old one's place"


def test_no_notification_service_is_logged_once(bus, caplog) -> None:
    log = logging.getLogger("test.notifications.none")
    notifier = Notifier(bus=bus.address, log=log)
    with caplog.at_level(logging.INFO, logger=log.name):
        notifier.start()
        assert notifier.ready.wait(5)
        for n in range(3):
            notifier.notify(Notice(f"notice {n}"))
        wait_until(lambda: sum("no notification service" in r.message
                               for r in caplog.records) >= 1, 5, "the log line",
                   interval=0.05)
        notifier.notify(Notice("one more"))
        with bus.connect() as conn:  # a round trip: the notices were all answered
            from jeepney import message_bus
            from jeepney.io.blocking import Proxy

            assert Proxy(message_bus, conn, timeout=5).NameHasOwner(NAME) == (False,)
        notifier.stop()
    said = [r.message for r in caplog.records if "Notifications" in r.message]
    assert len(said) == 1, said
    assert notifier.sent == 0


def test_no_session_bus_is_logged_once_and_notify_never_raises(tmp_path, caplog) -> None:
    log = logging.getLogger("test.notifications.nobus")
    notifier = Notifier(bus=f"unix:path={tmp_path}/no-such-bus", log=log)
    with caplog.at_level(logging.INFO, logger=log.name):
        notifier.start()
        assert notifier.ready.wait(5)
        notifier.notify(Notice("nobody hears this"))
        notifier.stop()
    said = [r.message for r in caplog.records]
    assert len(said) == 1 and "no session bus" in said[0], said


# -- program notices over a real guide -----------------------------------------------------
PROGRAMS = [Airing("Morning Edition", at(5, 0), at(9, 0), ("Steve Inskeep", "Leila Fadel")),
            Airing("1A", at(9, 0), at(10, 0), ("Jenn White",)),
            Airing("Up To Date", at(10, 0), at(11, 0), ("Steve Kraske",))]


class Rig:
    """A real PlayerController (fake backend: no audio needed here), a real GuideController
    on a hand-moved clock fetching from a loopback Composer, a news controller stand-in
    holding one newscast, and ProgramNotices over a real Notifier."""

    def __init__(self, httpserver, bus: PrivateBus, http, settings: Settings,
                 now: datetime) -> None:
        from player.controller import PlayerController
        from player.fake_backend import FakeBackend
        from schedule.controller import GuideController

        self.clock = ManualClock(now)
        self.station = kcur(serve_composer(httpserver, {at(0, 0).date(): PROGRAMS}))
        self.backend = FakeBackend()
        self.player = PlayerController(self.backend, tasks=task_runner())
        self.guide = GuideController(http, clock=self.clock, tasks=task_runner())
        self.news = type("News", (), {"newscast": Newscast(
            "NPR News: 12-01-2026 9AM EST", at(8, 6), "http://127.0.0.1:9/newscast.mp3", 300)})()
        self.settings = settings
        self.notices = ProgramNotices(self.player, self.guide, self.news,
                                      Notifier(self._from_bus, bus=bus.address),
                                      settings=lambda: self.settings, clock=self.clock)
        self.notices.start()

    def _from_bus(self, tag: str, action: str) -> None:
        self.notices.from_bus(tag, action)

    def pump(self, cond, what: str, timeout: float = 10.0) -> None:
        wait_until(cond, timeout, what, step=Clock.tick)

    def play(self) -> None:
        self.player.play(self.station)
        self.guide.set_station(self.station)
        self.pump(lambda: self.player.state == "playing" and self.guide.current is not None,
                  "playing, with the program on now")

    def move_to(self, moment: datetime) -> None:
        self.clock.now = moment
        self.guide.tick()
        self.notices.tick()
        Clock.tick()

    def close(self) -> None:
        self.notices.stop()
        self.guide.shutdown()
        self.player.shutdown()


@pytest.fixture
def rig(httpserver, bus, http_client):
    made: list[Rig] = []

    def make(settings: Settings | None = None, now: datetime | None = None) -> Rig:
        made.append(Rig(httpserver, bus, http_client, settings or Settings(),
                        now or at(9, 40)))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def http_client(tmp_path):
    from infra.http import HttpClient

    client = HttpClient(tmp_path / "http", timeout=(1.0, 1.0), deadline_s=3.0)
    yield client
    client.close()


@needs_daemon
def test_a_program_boundary_while_playing_notifies_once(rig, dunst) -> None:
    r = rig(Settings(newscast_offer=False))
    r.play()
    assert r.guide.current.title == "1A"
    r.move_to(at(9, 50))
    r.guide.refresh()  # the same airing fetched again says nothing
    r.pump(lambda: r.guide._task is None, "the refresh")
    r.move_to(at(10, 0, 1))
    (call,) = dunst.wait_notifies(1)
    assert call.summary == "Up To Date with Steve Kraske, on KCUR 89.3"
    assert call.body == "10:00 AM – 11:00 AM CST" or "10:00 AM" in call.body
    assert call.app_icon == LOGO.as_uri() and call.actions == ()
    r.move_to(at(10, 30))
    r.pump(lambda: r.notices.sender.sent == 1 and dunst.shown() == 1, "dunst shows one")
    assert len(dunst.notifies()) == 1


@needs_daemon
def test_paused_or_switched_or_off_sends_nothing(rig, dunst) -> None:
    off = rig(Settings(notifications=False))
    off.play()
    off.move_to(at(10, 0, 1))
    assert off.guide.current.title == "Up To Date"
    on = rig(Settings(), now=at(9, 40))
    on.play()
    on.player.pause()
    on.pump(lambda: on.player.state == "paused", "paused")
    on.move_to(at(10, 0, 1))
    assert on.guide.current.title == "Up To Date"
    # A marker through each notifier after the moments that must stay silent: each sends in
    # order, so anything either had queued would reach dunst before its marker.
    on.notices.sender.notify(Notice("marker on"))
    off.notices.sender.notify(Notice("marker off"))
    calls = dunst.wait_notifies(2)
    assert sorted(c.summary for c in calls) == ["marker off", "marker on"]


@needs_daemon
def test_the_newscast_offer_plays_the_newscast_when_chosen(rig, dunst) -> None:
    r = rig(Settings(), now=at(9, 50))
    r.play()
    r.move_to(at(9, 56))
    r.move_to(at(9, 57, 10))
    r.move_to(at(9, 58))  # once an hour
    (offer,) = dunst.wait_notifies(1)
    assert offer.summary == "The newscast is at the top of the hour"
    assert "Play the newscast" in offer.actions and "default" in offer.actions
    assert "NPR News: 12-01-2026 9AM EST" in offer.body
    r.pump(lambda: r.notices.sender.sent == 1 and dunst.shown() == 1, "dunst shows it")
    dunst.invoke_default()  # as a click on it
    r.pump(lambda: r.player.mode == "ondemand", "the newscast plays")
    assert r.backend.url == "http://127.0.0.1:9/newscast.mp3"
    # The program change at the hour is not announced while the newscast plays.
    r.move_to(at(10, 0, 1))
    r.move_to(at(10, 0, 30))
    assert len(dunst.notifies()) == 1


def test_program_notices_without_a_daemon_change_nothing(rig) -> None:
    r = rig(Settings())
    r.play()
    r.move_to(at(10, 0, 1))
    r.pump(lambda: r.notices.sender.ready.is_set(), "the notifier on the bus")
    assert r.player.state == "playing" and r.guide.current.title == "Up To Date"
    assert r.notices.sender.sent == 0
