"""NetworkWatch against a real (private) dbus-daemon and a fake NetworkManager on it; end to
end, a player over libvlc waiting out a long backoff is heard again as soon as
NetworkManager says the network is back.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kivy.clock import Clock

from infra.network_watch import NetworkWatch, bus_address, came_online
from player.recovery import RetryPolicy
from services import Services
from tests.player.conftest import pump, station
from tests.support.audio import duration_s, hears
from tests.support.dbus import FakeNetworkManager, PrivateBus, private_bus  # noqa: F401
from tests.support.icecast import IcecastBench, Mount
from tests.support.wait import wait_until

DISCONNECTED, CONNECTED_LOCAL, CONNECTED_SITE, CONNECTED_GLOBAL = 20, 50, 60, 70
LOGGER = "infra.network_watch"


class Calls:
    """on_online's calls, each with the thread it ran on."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []

    def __call__(self) -> None:
        self.threads.append(threading.current_thread())

    def __len__(self) -> int:
        return len(self.threads)


@pytest.fixture
def bus(private_bus: PrivateBus) -> PrivateBus:  # noqa: F811 (the fixture imported above)
    """The session's private dbus-daemon."""
    return private_bus


@pytest.fixture
def nm(bus: PrivateBus) -> Iterator[FakeNetworkManager]:
    with FakeNetworkManager(bus, state=DISCONNECTED) as fake:
        yield fake


def watching(watch: NetworkWatch, state: int) -> None:
    """Wait until the watch has taken in NetworkManager's `state` (signals arrive in order)."""
    wait_until(lambda: watch.state == state, 5, f"the watch to see state {state}")


def test_online_means_rising_to_connected_global() -> None:
    assert came_online(DISCONNECTED, CONNECTED_GLOBAL)
    assert came_online(CONNECTED_SITE, CONNECTED_GLOBAL)
    assert came_online(None, CONNECTED_GLOBAL)  # unknown before: a retry too many is harmless
    assert not came_online(CONNECTED_GLOBAL, CONNECTED_GLOBAL)
    assert not came_online(CONNECTED_SITE, CONNECTED_LOCAL)
    assert not came_online(DISCONNECTED, CONNECTED_SITE)
    assert not came_online(CONNECTED_GLOBAL, DISCONNECTED)


def test_bus_settings() -> None:
    assert bus_address("system") == bus_address("") == "SYSTEM"
    assert bus_address(" Session ") == "SESSION"
    assert bus_address("unix:path=/run/Bus") == "unix:path=/run/Bus"


def test_calls_back_once_on_20_to_70_and_not_on_70_to_70_or_60_to_50(
        bus: PrivateBus, nm: FakeNetworkManager) -> None:
    calls = Calls()
    watch = NetworkWatch(calls, bus=bus.address)
    watch.start()
    try:
        watching(watch, DISCONNECTED)  # subscribed, then read State
        assert nm.gets == 1
        nm.set_state(CONNECTED_GLOBAL)
        wait_until(lambda: len(calls) == 1, 5, "the call on 20 -> 70")
        assert calls.threads[0] is not threading.main_thread()  # the caller hops
        for state in (CONNECTED_GLOBAL, CONNECTED_SITE, CONNECTED_LOCAL):
            nm.set_state(state)
        watching(watch, CONNECTED_LOCAL)
        assert len(calls) == 1
        nm.set_state(CONNECTED_SITE)
        nm.set_state(CONNECTED_GLOBAL)  # 60 -> 70 is back online too
        wait_until(lambda: len(calls) == 2, 5, "the call on 60 -> 70")
    finally:
        watch.stop()
    assert len(calls) == 2


def test_stop_ends_the_thread_at_once(bus: PrivateBus, nm: FakeNetworkManager) -> None:
    stopped = NetworkWatch(Calls(), bus=bus.address)
    stopped.stop()  # before start: nothing to stop, and a stopped watch stays stopped
    stopped.start()
    watch = NetworkWatch(Calls(), bus=bus.address)
    watch.start()
    watching(watch, DISCONNECTED)
    threads = {t.name for t in threading.enumerate()}
    assert "network-watch" in threads
    started = time.monotonic()
    watch.stop()
    assert time.monotonic() - started < 1.0
    assert "network-watch" not in {t.name for t in threading.enumerate()}


def test_no_bus_logs_one_line_and_start_does_not_raise(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    watch = NetworkWatch(Calls(), bus=f"unix:path={tmp_path / 'no-bus'}")
    watch.start()
    wait_until(lambda: caplog.records, 5, "the log line")
    watch.stop()
    assert [(r.name, r.levelname) for r in caplog.records] == [(LOGGER, "INFO")]
    assert "no bus unix:path=" in caplog.records[0].getMessage()


def test_a_bus_without_network_manager_logs_one_line(caplog) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    with PrivateBus() as own:  # its own bus: no NetworkManager on it, not even a closing one
        watch = NetworkWatch(Calls(), bus=own.address)
        watch.start()
        wait_until(lambda: caplog.records, 5, "the log line")
        watch.stop()
    assert [(r.name, r.levelname) for r in caplog.records] == [(LOGGER, "INFO")]
    assert "ServiceUnknown" in caplog.records[0].getMessage()
    assert watch.state is None


# -- end to end: the app's wiring, libvlc, the real Icecast -----------------------------
LONG_WAITS = RetryPolicy(burst_s=30.0, probe_s=30.0, jitter=0.0)  # a 30 s wait per probe
BACK_WITHIN_S = 2.0
ON_AIR_BYTES = 24_000  # 3 s of 64 kbit/s: a burst-on-connect like a station long on the air


@pytest.fixture(scope="module")
def bench() -> Iterator[IcecastBench]:
    with IcecastBench(mounts=(Mount("/a.mp3", 440, "mp3"),)) as icecast:
        yield icecast


@pytest.mark.icecast
def test_the_player_is_heard_again_within_2_s_of_network_manager_saying_online(
        bench: IcecastBench, bus: PrivateBus, nm: FakeNetworkManager, tmp_path: Path) -> None:
    wav = tmp_path / "out.wav"
    svc = Services(env=dict(os.environ, ONAIR_NM_BUS=bus.address,
                            ONAIR_AUDIO_FILE=str(wav)))
    ctl = svc.player(policy=LONG_WAITS)
    watch = svc.network_watch(ctl)  # as run_gui and `onair play` wire it
    try:
        watching(watch, DISCONNECTED)
        nm.set_state(CONNECTED_GLOBAL)
        watching(watch, CONNECTED_GLOBAL)
        ctl.play(station("a", "Station A", bench.url("/a.mp3")))
        pump(lambda: ctl.state == "playing", 30, "playing")

        bench.stop()
        pump(lambda: ctl.state == "reconnecting" and ctl.retry_in_s > 20, 15,
             "a long wait to reconnect")
        bench.start()
        wait_until(lambda: bench.fed_bytes("/a.mp3") >= ON_AIR_BYTES, 15, "the mount on air",
                   step=Clock.tick, interval=0.05)
        assert ctl.state == "reconnecting" and ctl.retry_in_s > 10, ctl.retry_in_s
        before = duration_s(wav)

        nm.set_state(DISCONNECTED)
        nm.set_state(CONNECTED_GLOBAL)
        signalled = time.monotonic()
        pump(lambda: duration_s(wav) != before and ctl.state == "playing", 10,
             "heard and playing again")
        back_s = time.monotonic() - signalled
        pump(lambda: duration_s(wav) >= 0.5 and hears(wav, 440, duration_s(wav) - 0.5), 5,
             "440 Hz again")
    finally:
        ctl.shutdown()
        svc.close()
    print(f"\nheard again {back_s:.2f} s after NetworkManager said online "
          f"(the player's own wait had {LONG_WAITS.probe_s:.0f} s)")
    assert back_s < BACK_WITHIN_S
