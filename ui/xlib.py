"""A private connection to the X server, through libX11 (ctypes; SDL has loaded it already,
so no new dependency): for what SDL2 does not say or do (ui.visibility, ui.front)."""

from __future__ import annotations

import ctypes


def open_display() -> tuple[ctypes.CDLL, int] | None:
    """libX11 with the prototypes both users share, and a new connection to $DISPLAY (as SDL
    opened it); None without libX11 or a display. The caller closes it (XCloseDisplay)."""
    try:
        xlib = ctypes.CDLL("libX11.so.6")
    except OSError:
        return None
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    for fn in (xlib.XFlush, xlib.XPending, xlib.XCloseDisplay):
        fn.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(None)
    return (xlib, display) if display else None
