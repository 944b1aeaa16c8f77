"""The window settings Kivy reads when it creates the window (before App.run)."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.config import Config

from ui import theme
from ui.prefs import Prefs

MAX_FPS = 30


def configure_window(prefs: Prefs) -> None:
    """Window settings Kivy reads when it creates the window (before App.run)."""
    width, height = prefs.window_size or (1100, 720)
    Config.set("graphics", "width", str(max(theme.MIN_WIDTH, width)))
    Config.set("graphics", "height", str(max(theme.MIN_HEIGHT, height)))
    Config.set("graphics", "minimum_width", str(theme.MIN_WIDTH))
    Config.set("graphics", "minimum_height", str(theme.MIN_HEIGHT))
    Config.set("graphics", "multisamples", "0")  # MSAA triples the cost of a software-GL frame
    # Kivy's loop polls input and the clock maxfps times a second even when nothing
    # changes; 30 halves that idle cost and still redraws within 33 ms of any change.
    # The Clock read maxfps when kivy.clock was imported, so it is told too.
    Config.set("graphics", "maxfps", str(MAX_FPS))
    Clock._max_fps = float(MAX_FPS)
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
