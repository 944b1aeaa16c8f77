"""MprisBridge without a bus: what it hands the adapter as the controllers change (CanGoNext
follows the station, a peer's bug), and bus commands reaching the controllers on the Kivy
thread. The controllers here are EventDispatchers with the same properties."""

from __future__ import annotations

import logging
import threading

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

from desktop.mpris import MprisService
from desktop.mpris_bridge import MprisBridge, neighbours, start_mpris
from desktop.mpris_model import PlayerView
from player.stations import Station
from tests.support.wait import wait_until


def station(sid: str, name: str) -> Station:
    return Station(id=sid, name=name, tagline="", city="", timezone="UTC", homepage=None,
                   logo=None, streams=(), schedule=None, news_feed=None)


A, B = station("a", "Station A"), station("b", "Station B")


class Player(EventDispatcher):
    station = ObjectProperty(None, allownone=True)
    state = StringProperty("stopped")
    now_playing = StringProperty("")
    volume = NumericProperty(100)
    mode = StringProperty("live")
    catchup = BooleanProperty(False)
    behind_live_s = NumericProperty(0)
    buffer_span = ObjectProperty(None, allownone=True)

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple] = []

    def resume(self) -> None:
        self.calls.append(("resume",))
        self.state = "playing"

    def pause(self) -> None:
        self.calls.append(("pause",))

    def toggle(self) -> None:
        self.calls.append(("toggle",))

    def stop(self) -> None:
        self.calls.append(("stop",))

    def set_volume(self, volume: float) -> None:
        self.calls.append(("set_volume", volume))
        self.volume = volume

    def skip(self, seconds: float) -> None:
        self.calls.append(("skip", seconds))
        self.behind_live_s -= seconds

    def seek_to(self, moment: float) -> None:
        self.calls.append(("seek_to", moment))
        self.behind_live_s = self.buffer_span.live - moment


class Guide(EventDispatcher):
    station = ObjectProperty(None, allownone=True)
    current = ObjectProperty(None, allownone=True)


class Library(EventDispatcher):
    stations = ListProperty([])


class Program:
    title = "Up To Date"


class FakeAdapter:
    def __init__(self, on_command) -> None:
        self.on_command = on_command
        self.views: list[PlayerView] = []
        self.seeks: list[int] = []
        self.started = self.stopped = False

    def seeked(self, position_us: int) -> None:
        self.seeks.append(position_us)

    def start(self) -> None:
        self.started = True

    def update(self, view: PlayerView) -> None:
        self.views.append(view)

    def stop(self, timeout: float = 2.0) -> None:
        self.stopped = True


def build():
    player, guide, library = Player(), Guide(), Library(stations=[A, B])
    player.station = A
    steps: list[int] = []
    bridge = MprisBridge(player, guide, library, steps.append, FakeAdapter)
    bridge.start()
    return bridge, player, guide, steps


def test_neighbours_stop_at_the_ends() -> None:
    assert neighbours([A, B], A) == (True, False)
    assert neighbours([A, B], B) == (False, True)
    assert neighbours([A, B], None) == (True, False)
    assert neighbours([], None) == (False, False)


def test_the_view_follows_station_program_and_list() -> None:
    bridge, player, guide, _ = build()
    adapter = bridge.adapter
    assert adapter.started and adapter.views[-1].can_next and not adapter.views[-1].can_previous
    player.station, player.state, player.now_playing = B, "playing", "Artist - Song"
    guide.station, guide.current = B, Program()
    Clock.tick()
    view = adapter.views[-1]
    assert (view.station_id, view.station_name, view.state) == ("b", "Station B", "playing")
    assert (view.can_next, view.can_previous) == (False, True)
    assert (view.stream_title, view.program) == ("Artist - Song", "Up To Date")
    guide.station = A  # the guide is about another station: its program is not B's
    Clock.tick()
    assert adapter.views[-1].program == ""
    bridge.library.stations = [A, B, station("c", "C")]
    Clock.tick()
    assert adapter.views[-1].can_next
    bridge.stop()
    assert adapter.stopped


def test_bus_commands_go_through_the_controllers_on_the_kivy_thread() -> None:
    bridge, player, _, steps = build()
    worker = threading.Thread(target=lambda: [bridge.adapter.on_command(n, v) for n, v in (
        ("play", None), ("play", None), ("pause", None), ("toggle", None), ("stop", None),
        ("next", None), ("previous", None), ("volume", 30))])
    worker.start()
    worker.join()
    wait_until(lambda: len(player.calls) >= 5 and len(steps) == 2, 5, "commands",
               step=Clock.tick)
    # the second Play finds it playing: nothing to do
    assert player.calls == [("resume",), ("pause",), ("toggle",), ("stop",),
                            ("set_volume", 30)]
    assert steps == [1, -1]
    bridge.stop()


def test_catch_up_makes_it_seekable_and_seeks_move_in_the_buffer() -> None:
    from player.catchup import Span

    bridge, player, _, _ = build()
    adapter = bridge.adapter
    assert not adapter.views[-1].can_seek and adapter.views[-1].position_us == 0
    bridge.command("seek", -10_000_000)  # not held: nothing moves
    assert player.calls == [] and adapter.seeks == []
    t = 1_800_000_000.0
    player.buffer_span, player.behind_live_s, player.catchup = Span(t, t + 600), 100, True
    Clock.tick()
    assert adapter.views[-1].can_seek
    assert adapter.views[-1].position_us == 500_000_000  # the playhead after the oldest held
    bridge.command("seek", -30_000_000)
    assert player.calls[-1] == ("skip", -30.0) and adapter.seeks == [470_000_000]
    bridge.command("position", 60_000_000)
    assert player.calls[-1] == ("seek_to", t + 60) and adapter.seeks[-1] == 60_000_000
    bridge.stop()


def test_no_session_bus_is_said_once_and_the_app_goes_on(caplog) -> None:
    class App:
        pass

    assert start_mpris(App(), bus="") is None
    log = logging.getLogger("test.mpris")
    caplog.set_level(logging.INFO, logger="test.mpris")
    svc = MprisService(lambda _n, _v: None, bus="unix:path=/nonexistent/bus", log=log)
    svc.start()
    assert svc.ready.wait(5) and svc.name is None
    svc.stop()
    said = [r.getMessage() for r in caplog.records if r.name == "test.mpris"]
    assert len(said) == 1 and said[0].startswith("MPRIS: off (no session bus")
