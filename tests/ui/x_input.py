"""Real X input (xdotool, XTEST) into this test process's own Kivy window.

The window of the `window` fixture is an ordinary X window on the Xvfb display: found by
this process's id, focused, then given real key presses and pointer moves, which SDL reads
as it reads a listener's. `wait_x` runs the whole Kivy loop (its frame and the window's SDL
event poll, which conftest's `pump` leaves out) until the effect shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from functools import cache

import pytest

needs_xdotool = pytest.mark.skipif(shutil.which("xdotool") is None, reason="needs xdotool")


@pytest.fixture
def x_mouse(kivy_window):
    """Real clicks become touches: the mouse input provider that App.run starts (the test
    window has none; conftest's clicks are synthetic touches)."""
    from kivy.base import EventLoop
    from kivy.input.providers.mouse import MouseMotionEventProvider

    provider = MouseMotionEventProvider("mouse", "disable_multitouch")
    EventLoop.add_input_provider(provider)
    provider.start()
    yield provider
    provider.stop()
    EventLoop.remove_input_provider(provider)


def pump_x(frames: int = 1) -> None:
    """Frames of the Kivy loop with the window's X events read (as App.run does)."""
    from kivy.base import EventLoop
    from kivy.core.window import Window

    for _ in range(frames):
        EventLoop.idle()
        Window.mainloop()


def wait_x(cond: Callable[[], object], timeout: float = 5.0, what: str = "") -> None:
    """Run the loop (X events included) until `cond()`; AssertionError at the deadline."""
    from tests.support.wait import wait_until

    wait_until(cond, timeout, what or str(cond), step=pump_x, interval=0.005)


def _x(*args: str) -> str:
    return subprocess.run(["xdotool", *args], capture_output=True, text=True, check=True,
                          timeout=10).stdout


@cache
def own_window() -> str:
    """The X id of this process's Kivy window."""
    return _x("search", "--sync", "--pid", str(os.getpid())).split()[-1]


def keys(*names: str) -> None:
    """Press (and release) keys in this window, e.g. keys("Tab"), keys("ctrl+comma")."""
    window = own_window()
    _x("windowfocus", "--sync", window)
    _x("key", "--delay", "40", *names)  # no --window: that would be XSendEvent, not XTEST


def type_text(text: str) -> None:
    window = own_window()
    _x("windowfocus", "--sync", window)
    _x("type", "--delay", "20", text)


def pointer_to(widget) -> None:
    """Move the real pointer onto the centre of `widget`."""
    x, y = widget.to_window(*widget.center)
    window = widget.get_root_window()
    _x("mousemove", "--window", own_window(), "--sync", str(round(x)),
       str(round(window.height - y)))


def pointer_away() -> None:
    """The pointer to the window's top-left corner (on no control)."""
    _x("mousemove", "--window", own_window(), "--sync", "1", "1")


def click_on(widget) -> None:
    pointer_to(widget)
    _x("click", "1")
