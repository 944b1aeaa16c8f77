"""Fixtures for widget and app tests in a real Kivy window (Xvfb + Mesa, see STYLE.md).

- `window`: the one Kivy window of the test process (1024x700), emptied after each test.
- `show(widget)`: add a widget to the window, fill it, and draw a frame.
- `wait_until(cond, timeout)`: tick the Kivy clock and draw frames until `cond()` is true;
  fails with `AssertionError` at the deadline. Never sleep a fixed time before asserting.
- `pump(frames)`: run a few frames (layout and drawing settle).
- `screenshot(window, name)`: save test-artifacts/<name>.png.
- `click(widget)`: a real touch (down, up) at the widget's centre, through the window.
- `press(key, codepoint)`: a key press through `Window.dispatch('on_key_down', ...)`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.clock import ManualClock
from tests.support.tasks import task_runner
from tests.support.wait import wait_until as _wait_until

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pump(frames: int = 3) -> None:
    """Run `frames` iterations of the Kivy event loop (clock, input, layout, draw)."""
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def wait_until(cond: Callable[[], object], timeout: float = 5.0, what: str = "") -> None:
    """Tick the clock and draw until `cond()` is truthy; AssertionError after `timeout` s."""
    _wait_until(cond, timeout, what or str(cond), step=lambda: pump(1), interval=0.005)


def screenshot(window, name: str) -> Path:
    """Draw a frame and save it as test-artifacts/<name>.png; returns the path."""
    ARTIFACTS.mkdir(exist_ok=True)
    pump(2)
    path = ARTIFACTS / f"{name}.png"
    saved = window.screenshot(name=str(path))  # Kivy appends a counter: "<name>0001.png"
    Path(saved).replace(path)
    return path


def click(widget) -> None:
    """Touch down and up at the centre of `widget`, dispatched by the window like a mouse."""
    from kivy.tests.common import UnitTestTouch

    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    pump(1)
    touch.touch_up()
    pump(2)


def press(key: int, codepoint: str | None = None, modifiers: tuple[str, ...] = ()) -> bool:
    """Dispatch a key press to the window's `on_key_down` handlers; True when one took it."""
    from kivy.core.window import Window

    handled = Window.dispatch("on_key_down", key, 0, codepoint, list(modifiers))
    pump(2)
    return bool(handled)


@pytest.fixture(scope="session")
def kivy_window():
    """Create the real window once per process (Kivy has only one)."""
    import os

    os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
    from kivy.config import Config

    Config.set("graphics", "multisamples", "0")  # as the app (ui.app.configure_window)
    Config.set("graphics", "width", "1024")
    Config.set("graphics", "height", "700")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    from kivy.base import EventLoop
    from kivy.core.window import Window

    EventLoop.ensure_window()
    Window.register()
    Window.initialized = True
    Window.close = lambda *a: None  # keep the one window open between tests
    return Window


@pytest.fixture
def window(kivy_window):
    yield kivy_window
    for child in kivy_window.children[:]:
        kivy_window.remove_widget(child)
    kivy_window.size = (1024, 700)
    pump(1)


@pytest.fixture
def show(window) -> Callable:
    def _show(widget):
        window.add_widget(widget)
        pump(3)
        return widget

    return _show


def make_station(station_id: str, name: str, *, city: str = "Kansas City, MO",
                 logo: str | None = None, timezone: str = "America/Chicago"):
    """A station whose stream is a loopback URL (the fake backend never connects)."""
    from player.stations import Station, Stream

    return Station(id=station_id, name=name, tagline="", city=city, timezone=timezone,
                   homepage=None, logo=logo,
                   streams=(Stream(f"http://127.0.0.1:9/{station_id}.mp3"),),
                   schedule=None, news_feed=None)


@pytest.fixture
def stations():
    return (
        make_station("kcur", "KCUR 89.3", logo="assets/logos/kcur.png"),
        make_station("kuhf", "Houston Public Media", city="Houston, TX",
                     logo="assets/logos/kuhf.png"),
        make_station("wkar", "WKAR 90.5", city="East Lansing, MI", logo="assets/logos/wkar.png",
                     timezone="America/Detroit"),
    )


@pytest.fixture
def fake_backend():
    from player.fake_backend import FakeBackend

    backend = FakeBackend()
    yield backend


@pytest.fixture
def player(fake_backend):
    """A real PlayerController over PLAY's fake backend; fast retries, no network lookups."""
    from player.controller import PlayerController
    from player.recovery import RetryPolicy

    controller = PlayerController(fake_backend, policy=RetryPolicy(max_tries=3, base_s=0.6,
                                                                   jitter=0.0),
                                  describe=lambda url: "connection refused", tasks=task_runner())
    yield controller
    controller.shutdown()


@pytest.fixture
def guide_clock():
    from datetime import UTC, datetime

    return ManualClock(datetime(2026, 11, 28, 18, 12, 4, tzinfo=UTC))


@pytest.fixture
def guide(tmp_path, guide_clock):
    """A real GuideController (its HTTP client points at a temp cache; no fetch happens
    for stations without a schedule source)."""
    from infra.http import HttpClient
    from schedule.controller import GuideController

    http = HttpClient(tmp_path / "http-cache")
    controller = GuideController(http, clock=guide_clock, tasks=task_runner())
    yield controller
    controller.shutdown()
    http.close()


def programs_around(at, titles=("Morning Edition", "Up To Date", "All Things Considered")):
    """Hour-long programs: the first started 12:04 before `at`, the others follow."""
    from datetime import timedelta

    from schedule.model import Program

    start = at - timedelta(minutes=12, seconds=4)
    return [Program(title=t, start=start + timedelta(hours=i),
                    end=start + timedelta(hours=i + 1) - timedelta(seconds=60))
            for i, t in enumerate(titles)]
