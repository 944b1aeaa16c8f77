"""The running window comes to the front when a second `onair` is started.

cli.run_gui hands a second app's wish (infra.single_instance) to `WindowFront.bring_forward`
on the Kivy thread: the window is de-iconified and raised, and the station the second
command named, when it is one of the listener's, plays.

On X11 the window is activated the way a taskbar does it, for the user who just started
On Air again: a `_NET_ACTIVE_WINDOW` client message to the root window (EWMH, source 2),
sent on a private X connection (ui.xlib, as ui.visibility does); the window
manager de-iconifies, raises and focuses it, and SDL hears of it as of any restore. SDL's
own calls fall short there (checked under openbox): its restore of an iconified window
maps it without SDL ever reporting the restore, so Kivy's window stays "minimized" and
draws nothing, and its raise comes as an application's request, which focus-stealing
prevention may ignore. Elsewhere (no X11) SDL's restore (only when minimized, so a
maximized window stays maximized), show and raise are used.
"""

from __future__ import annotations

import ctypes
from typing import Any

from ui.xlib import open_display

_CLIENT_MESSAGE = 33
_SUBSTRUCTURE_MASKS = (1 << 19) | (1 << 20)  # SubstructureNotify | SubstructureRedirect
_SOURCE_USER = 2  # EWMH: a pager or taskbar, on the user's behalf


class _XClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("l", ctypes.c_long * 5)]


class _XEvent(ctypes.Union):
    _fields_ = [("xclient", _XClientMessage), ("pad", ctypes.c_long * 24)]


def x11_activate(window_id: int) -> bool:
    """Ask the X window manager to activate (de-iconify, raise, focus) `window_id`;
    False when there is no X display or libX11."""
    opened = open_display()
    if opened is None:
        return False
    xlib, display = opened
    xlib.XInternAtom.restype = ctypes.c_ulong
    xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                ctypes.POINTER(_XEvent)]
    try:
        event = _XEvent()
        msg = event.xclient
        msg.type, msg.send_event, msg.display = _CLIENT_MESSAGE, 1, display
        msg.window = window_id
        msg.message_type = xlib.XInternAtom(display, b"_NET_ACTIVE_WINDOW", 0)
        msg.format = 32
        msg.l[0], msg.l[1], msg.l[2] = _SOURCE_USER, 0, 0  # CurrentTime, no active window
        root = xlib.XDefaultRootWindow(display)
        xlib.XSendEvent(display, root, 0, _SUBSTRUCTURE_MASKS, ctypes.byref(event))
        xlib.XFlush(display)
    finally:
        xlib.XCloseDisplay(display)
    return True


class WindowFront:
    """Follows whether the app's window is minimized, from its start to its stop."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.minimized = False
        self._window: Any = None
        app.fbind("on_start", self._start)
        app.fbind("on_stop", self._stop)

    def _start(self, *_args: object) -> None:
        from kivy.core.window import Window

        self._window = Window
        Window.fbind("on_minimize", self._set, True)
        Window.fbind("on_restore", self._set, False)

    def _stop(self, *_args: object) -> None:
        window, self._window = self._window, None
        if window is not None:
            window.funbind("on_minimize", self._set, True)
            window.funbind("on_restore", self._set, False)

    def _set(self, minimized: bool, *_args: object) -> None:
        self.minimized = minimized

    def bring_forward(self, station_id: str | None = None) -> None:
        """Restore (when minimized), show and raise the window; play `station_id` when it
        names one of the stations (an unknown id changes nothing)."""
        window = self._window
        if window is None:  # not started yet: the app's start shows the window anyway
            return
        info = window.get_window_info() if hasattr(window, "get_window_info") else None
        if type(info).__name__ != "WindowInfoX11" or not x11_activate(info.window):
            if self.minimized:
                window.restore()
            window.show()
            window.raise_window()
        app = self.app
        station = next((s for s in app.library.stations if s.id == station_id), None)
        if station is not None:
            app.player.play(station)
            app.stations.scroll_to_station(station.id)
