"""MprisBridge: the Kivy side of MPRIS. It follows the player (station, state, now playing,
volume), the guide (the program on now) and the station list, and hands the adapter
(desktop.mpris.MprisService) a plain `PlayerView` on each change; commands from the bus
come back here on the Kivy thread (`Clock.schedule_once`) and go through the controllers.

`start_mpris(app, bus=address)` builds and starts it over the app's player, guide and
library (`app.step_station` moves to the next or previous station, as the arrow keys do).
An empty address (no DBUS_SESSION_BUS_ADDRESS): MPRIS is off, said once in the log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from kivy.clock import Clock
from kivy.logger import Logger

from desktop.mpris import MprisService
from desktop.mpris_model import PlayerView
from player.catalogue import logo_path
from player.states import ACTIVE
from player.stations import Station


class Adapter(Protocol):
    def start(self) -> None: ...
    def update(self, view: PlayerView) -> None: ...
    def seeked(self, position_us: int) -> None: ...
    def stop(self, timeout: float = 2.0) -> None: ...


def neighbours(stations: Sequence[Station], current: Station | None) -> tuple[bool, bool]:
    """(can go next, can go previous) in the list, as OnAirApp.step_station moves (it stops
    at either end; with no current station, the first one is next)."""
    index = next((i for i, s in enumerate(stations) if current and s.id == current.id), -1)
    if index < 0:
        return bool(stations), False
    return index < len(stations) - 1, index > 0


def position_us(player: Any) -> int:
    """MPRIS Position: the catch-up playhead after the oldest moment held (0 without)."""
    span = getattr(player, "buffer_span", None)
    if span is None or not getattr(player, "catchup", False):
        return 0
    return max(0, round((span.live - player.behind_live_s - span.start) * 1e6))


class MprisBridge:
    """Binds to `player` (PlayerController), `guide` (GuideController) and `library` (an
    EventDispatcher with a `stations` list); `step(delta)` moves between stations."""

    def __init__(self, player: Any, guide: Any, library: Any, step: Callable[[int], None],
                 adapter_factory: Callable[[Callable[[str, int | None], None]], Adapter]) -> None:
        self.player, self.guide, self.library, self._step = player, guide, library, step
        self.adapter = adapter_factory(self._from_bus)
        self._push = Clock.create_trigger(self._push_now, 0)
        self._bound = False

    def start(self) -> None:
        self.player.bind(station=self._changed, state=self._changed,
                         now_playing=self._changed, volume=self._changed,
                         catchup=self._changed, buffer_span=self._changed)
        self.guide.bind(current=self._changed, station=self._changed)
        self.library.bind(stations=self._changed)
        self._bound = True
        self.adapter.update(self.view())
        self.adapter.start()

    def stop(self) -> None:
        if self._bound:
            self.player.unbind(station=self._changed, state=self._changed,
                               now_playing=self._changed, volume=self._changed,
                               catchup=self._changed, buffer_span=self._changed)
            self.guide.unbind(current=self._changed, station=self._changed)
            self.library.unbind(stations=self._changed)
            self._bound = False
        self._push.cancel()
        self.adapter.stop()

    def view(self) -> PlayerView:
        p = self.player
        station: Station | None = p.station
        program = ""
        guide_station = getattr(self.guide, "station", None)
        if station is not None and self.guide.current is not None and \
                getattr(guide_station, "id", None) == station.id:
            program = self.guide.current.title
        logo = logo_path(station) if station is not None else None
        can_next, can_previous = neighbours(list(self.library.stations), station)
        return PlayerView(state=p.state, volume=int(p.volume),
                          station_id=station.id if station else "",
                          station_name=station.name if station else "",
                          stream_title=p.now_playing,
                          program=program, logo=str(logo) if logo else "",
                          can_next=can_next, can_previous=can_previous,
                          can_seek=bool(getattr(p, "catchup", False)),
                          position_us=position_us(p))

    def _changed(self, *_args: object) -> None:
        self._push()  # once per frame, however many properties changed together

    def _push_now(self, _dt: float = 0) -> None:
        self.adapter.update(self.view())

    # -- commands: called on the adapter's thread ------------------------------------------
    def _from_bus(self, name: str, value: int | None) -> None:
        Clock.schedule_once(lambda _dt: self.command(name, value), 0)

    def command(self, name: str, value: int | None = None) -> None:
        """On the Kivy thread: one bus command through the controllers."""
        p = self.player
        if name == "play" and p.state not in ACTIVE:
            p.resume()
        elif name == "pause":
            p.pause()
        elif name == "toggle":
            p.toggle()
        elif name == "stop":
            p.stop()
        elif name in ("next", "previous"):
            self._step(1 if name == "next" else -1)
        elif name == "volume" and value is not None:
            p.set_volume(value)
        elif name in ("seek", "position") and value is not None and p.catchup:
            if name == "seek":
                p.skip(value / 1e6)
            else:
                p.seek_to(p.buffer_span.start + value / 1e6)
            self.adapter.seeked(position_us(p))


def start_mpris(app: Any, *, bus: str) -> MprisBridge | None:
    """MPRIS for the app (started), or None when there is no session bus (logged once)."""
    if not bus.strip():
        Logger.info("MPRIS: off (no session bus: DBUS_SESSION_BUS_ADDRESS is not set)")
        return None
    bridge = MprisBridge(app.player, app.guide, app.library, app.step_station,
                         lambda on_command: MprisService(on_command, bus=bus, log=Logger))
    bridge.start()
    return bridge
