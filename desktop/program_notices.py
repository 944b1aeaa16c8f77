"""ProgramNotices: a desktop notification when the program changes while a station plays,
and, a few minutes before the top of the hour, one offering "Play the newscast".

It follows the guide's on-now (GuideController.current) for the playing station: the
program found when the listener tunes in is only noted; a different program on the same
station while its live stream plays is announced once, "Up To Date with Steve Kraske, on
KCUR 89.3", with the station logo (desktop.notifications does the D-Bus). A guide refresh
that gives the same airing again says nothing.

The newscast offer: once an hour, NEWSCAST_LEAD before the top of the hour (the station's
clock), while the live stream plays and the news controller knows a newscast. Its action
(also a click on it) plays that newscast through the player, as the news panel's button
does. Both follow the listener's settings (infra.settings: `notifications`, and
`newscast_offer` for the offer), read at each notice, so a change in the settings view
applies at once.

Runs on the Kivy thread (bindings, its own 5 s timer); actions chosen on the bus come back
with Clock.schedule_once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kivy.clock import Clock

from desktop.notifications import Notice
from infra.settings import Settings
from infra.timefmt import time_range, zoned_clock
from news.model import Newscast
from player.catalogue import logo_path
from player.stations import Station
from schedule.model import Program

PROGRAM_TAG = "program"
NEWSCAST_TAG = "newscast"
NEWSCAST_ACTIONS = (("default", "Play the newscast"), ("newscast", "Play the newscast"))
NEWSCAST_LEAD = timedelta(minutes=3)
TICK_S = 5.0


class Sender(Protocol):
    def start(self) -> None: ...
    def notify(self, notice: Notice) -> None: ...
    def stop(self, timeout: float = 2.0) -> None: ...


def hosts_text(hosts: tuple[str, ...]) -> str:
    """'A', 'A and B', 'A, B and C' (blank names dropped)."""
    names = [h.strip() for h in hosts if h.strip()]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def program_line(program: Program, station: Station) -> str:
    """'Up To Date with Steve Kraske, on KCUR 89.3' (without hosts: 'Fresh Air, on ...')."""
    hosts = hosts_text(program.hosts)
    title = f"{program.title} with {hosts}" if hosts else program.title
    return f"{title}, on {station.name}"


def program_notice(program: Program, station: Station) -> Notice:
    return Notice(summary=program_line(program, station),
                  body=time_range(program.start, program.end, station.timezone),
                  icon=logo_path(station), tag=PROGRAM_TAG)


def newscast_notice(newscast: Newscast, station: Station) -> Notice:
    when = f" ({zoned_clock(newscast.published)})" if newscast.published else ""
    return Notice(summary="The newscast is at the top of the hour",
                  body=f"{newscast.title}{when}: play it instead of {station.name}'s stream?",
                  icon=logo_path(station), actions=NEWSCAST_ACTIONS, tag=NEWSCAST_TAG)


def offer_hour(at: datetime, zone: str, lead: timedelta = NEWSCAST_LEAD) -> datetime | None:
    """The top of the hour (aware, in `zone`) that `at` is within `lead` before, else None."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = UTC
    local = at.astimezone(tz)
    top = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return top if top - local <= lead else None


class ProgramNotices:
    """Over the app's `player` (PlayerController), `guide` (GuideController) and `news`
    (NewsController); `sender` is a desktop.notifications.Notifier, started and stopped
    with this."""

    def __init__(self, player: Any, guide: Any, news: Any, sender: Sender, *,
                 settings: Callable[[], Settings],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.player, self.guide, self.news, self.sender = player, guide, news, sender
        self._settings, self._clock = settings, clock
        self._seen: tuple[str, str, float] | None = None  # (station id, title, start)
        self._offered: datetime | None = None  # the top of the hour last offered
        self._timer = None

    def start(self) -> None:
        self.guide.bind(current=self._on_program)
        self.player.bind(station=self._on_station)
        self._timer = Clock.schedule_interval(lambda _dt: self.tick(), TICK_S)
        self.sender.start()

    def stop(self) -> None:
        self.guide.unbind(current=self._on_program)
        self.player.unbind(station=self._on_station)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.sender.stop()

    def _live_station(self) -> Station | None:
        """The station whose live stream plays now (None: paused, stopped, a newscast)."""
        p = self.player
        if p.state != "playing" or p.mode != "live":
            return None
        return p.station

    def _on_station(self, *_args: object) -> None:
        self._seen = None  # a switch: the next station's program is noted, not announced

    def _on_program(self, _guide: object, program: Program | None) -> None:
        station = self.player.station
        guide_station = getattr(self.guide, "station", None)
        if program is None or station is None or getattr(guide_station, "id", None) != station.id:
            return
        key = (station.id, program.title, program.start_ts)
        before, self._seen = self._seen, key
        if before is None or before[0] != station.id or before == key:
            return
        if self._live_station() is not None and self._settings().notifications:
            self.sender.notify(self._merge_offer(program_notice(program, station), station))

    def _merge_offer(self, notice: Notice, station: Station) -> Notice:
        """A program change inside the offer window carries the offer (one notice, not two)."""
        newscast, top = self._offer_due(station)
        if newscast is None or top is None:
            return notice
        self._offered = top
        return Notice(summary=notice.summary, body=notice.body, icon=notice.icon,
                      actions=NEWSCAST_ACTIONS, tag=NEWSCAST_TAG)

    def _offer_due(self, station: Station) -> tuple[Newscast | None, datetime | None]:
        settings = self._settings()
        newscast = self.news.newscast
        if not (settings.notifications and settings.newscast_offer) or newscast is None:
            return None, None
        top = offer_hour(self._clock(), station.timezone)
        return (newscast, top) if top is not None and top != self._offered else (None, None)

    def tick(self) -> None:
        """On the timer: the newscast offer, when it is due."""
        station = self._live_station()
        if station is None:
            return
        newscast, top = self._offer_due(station)
        if newscast is not None:
            self._offered = top
            self.sender.notify(newscast_notice(newscast, station))

    # -- actions: called on the notifier's thread ------------------------------------------
    def from_bus(self, tag: str, action: str) -> None:
        Clock.schedule_once(lambda _dt: self.action(tag, action), 0)

    def action(self, tag: str, action: str) -> None:
        """On the Kivy thread: "Play the newscast" (or a click on its notice) plays it."""
        newscast = self.news.newscast
        if tag == NEWSCAST_TAG and action in ("default", "newscast") and newscast is not None:
            self.player.play_ondemand(newscast.audio_url, newscast.title)


def start_program_notices(app: Any, *, bus: str,
                          settings: Callable[[], Settings]) -> ProgramNotices | None:
    """Program notices for the app (started), or None without a session bus (said once in
    the log)."""
    from kivy.logger import Logger

    from desktop.notifications import Notifier

    if not bus.strip():
        Logger.info("Notifications: off (no session bus: DBUS_SESSION_BUS_ADDRESS is not set)")
        return None
    relay: list[ProgramNotices] = []
    notifier = Notifier(lambda tag, action: relay[0].from_bus(tag, action), bus=bus, log=Logger)
    notices = ProgramNotices(app.player, app.guide, app.news, notifier, settings=settings)
    relay.append(notices)
    notices.start()
    return notices
