"""Fixtures for widget and app tests in a real Kivy window (Xvfb + Mesa, see STYLE.md).

- `window`: the one Kivy window of the test process (1024x700), emptied after each test.
- `show(widget)`: add a widget to the window, fill it, and draw a frame.
- `wait_until(cond, timeout)`: tick the Kivy clock and draw frames until `cond()` is true;
  fails with `AssertionError` at the deadline. Never sleep a fixed time before asserting.
- `pump(frames)`: run a few frames (layout and drawing settle).
- `screenshot(window, name)`: save test-artifacts/<name>.png.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pump(frames: int = 3) -> None:
    """Run `frames` iterations of the Kivy event loop (clock, input, layout, draw)."""
    from kivy.base import EventLoop

    for _ in range(frames):
        EventLoop.idle()


def wait_until(cond: Callable[[], object], timeout: float = 5.0, what: str = "") -> None:
    """Tick the clock and draw until `cond()` is truthy; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        pump(1)
        if cond():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or cond}")
        time.sleep(0.005)


def screenshot(window, name: str) -> Path:
    """Draw a frame and save it as test-artifacts/<name>.png; returns the path."""
    ARTIFACTS.mkdir(exist_ok=True)
    pump(2)
    path = ARTIFACTS / f"{name}.png"
    # Window.screenshot loops until `name.format(i)` is a new file: make room first.
    path.unlink(missing_ok=True)
    window.screenshot(name=str(path))
    return path


@pytest.fixture(scope="session")
def kivy_window():
    """Create the real window once per process (Kivy has only one)."""
    import os

    os.environ.setdefault("KIVY_USE_DEFAULTCONFIG", "1")
    from kivy.config import Config

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
