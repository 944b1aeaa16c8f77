"""While the window cannot be seen, draw nothing and let the Kivy clock wake rarely.

What tells us (Kivy's SDL2 window, plus one thing SDL2 cannot say):
- minimized: Window `on_minimize` / `on_restore` (SDL reads _NET_WM_STATE_HIDDEN);
- unmapped: Window `on_hide` / `on_show` (SDL's UnmapNotify / MapNotify: an iconified
  window is unmapped, and so is one on another workspace);
- covered: SDL2 has no occlusion event and does not ask the X server for visibility, so
  on X11 `X11Visibility` opens a second connection of its own (libX11 through ctypes,
  already loaded by SDL: no new dependency), selects VisibilityChangeMask on the window
  and reads VisibilityNotify (FullyObscured or not). Under a compositing manager the
  server always says "unobscured"; then only minimize and unmap count.

While hidden, a handler bound to `on_draw` and one bound to `on_flip` return True, which
stops Kivy's own handlers: the clear and canvas draw and the buffer swap, where Mesa does
the GL work. `Clock._max_fps` drops to HIDDEN_FPS, so the event loop (the clock, SDL
events, input) runs about 5 times a second instead of the window's ~40; timers, libvlc
events and the 1 s ticks still run, late by at most ~0.2 s. Once visible again the rate
comes back and `canvas.ask_update()` draws the current widgets on the next iteration (a
frame skipped while hidden is never shown late: nothing was drawn). Measured (bench/
cpu_visibility.py): drawing nothing takes ~1.2 points of one core off, the slow loop ~1.3.
"""

from __future__ import annotations

import ctypes
from typing import Any

from kivy.clock import Clock

from ui.xlib import open_display

# The loop's maxfps while hidden. Kivy's pacing wakes early (by 1.8 of its resolution,
# 1 / (3 * maxfps)): about 5.5 iterations a second, so a restore is drawn within ~0.2 s.
HIDDEN_FPS = 4.0

_VISIBILITY_CHANGE_MASK = 1 << 16
_VISIBILITY_NOTIFY = 15
_FULLY_OBSCURED = 2


class _XVisibilityEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("state", ctypes.c_int)]


class _XEvent(ctypes.Union):
    _fields_ = [("type", ctypes.c_int), ("xvisibility", _XVisibilityEvent),
                ("pad", ctypes.c_long * 24)]


class X11Visibility:
    """A private X connection that reports whether `window` is fully covered.

    Used on the Kivy thread only (the connection is not shared)."""

    def __init__(self, xlib: ctypes.CDLL, display: int, window: int) -> None:
        self._xlib, self._display, self._window = xlib, display, window
        self._event = _XEvent()
        xlib.XSelectInput(display, window, _VISIBILITY_CHANGE_MASK)
        xlib.XFlush(display)

    @classmethod
    def open(cls, window: int) -> X11Visibility | None:
        """None when libX11 or the display cannot be opened (the covered case is then
        not detected)."""
        opened = open_display()
        if opened is None:
            return None
        xlib, display = opened
        xlib.XSelectInput.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_long]
        xlib.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_XEvent)]
        return cls(xlib, display, window)

    def read(self) -> bool | None:
        """The latest news without blocking: True covered, False not, None no news."""
        covered = None
        while self._xlib.XPending(self._display):
            self._xlib.XNextEvent(self._display, ctypes.byref(self._event))
            if self._event.type == _VISIBILITY_NOTIFY:
                covered = self._event.xvisibility.state == _FULLY_OBSCURED
        return covered

    def close(self) -> None:
        self._xlib.XCloseDisplay(self._display)


class WindowVisibility:
    """Stops drawing and slows the clock while the Kivy window cannot be seen.

    `bind(window)` in App.on_start, `unbind()` in on_stop. `frames` counts the frames
    drawn (buffer swaps), `visible` says whether the window can be seen now."""

    def __init__(self, visible_fps: float, hidden_fps: float = HIDDEN_FPS) -> None:
        self.visible_fps, self.hidden_fps = visible_fps, hidden_fps
        self.frames = 0
        self._minimized = self._unmapped = self._covered = False
        self._window: Any = None
        self._x11: X11Visibility | None = None
        self._poll = None

    @property
    def visible(self) -> bool:
        return not (self._minimized or self._unmapped or self._covered)

    def state(self) -> dict:
        """For the debug state file: can it be seen, frames drawn so far, and the event
        loop's rate over the last second (the clock's own count)."""
        return {"visible": self.visible, "frames": self.frames,
                "loop_fps": round(Clock.get_fps(), 1)}

    def bind(self, window: Any) -> None:
        self._window = window
        window.fbind("on_draw", self._on_draw)
        window.fbind("on_flip", self._on_flip)
        window.fbind("on_minimize", self._set, "_minimized", True)
        window.fbind("on_restore", self._set, "_minimized", False)
        window.fbind("on_hide", self._set, "_unmapped", True)
        window.fbind("on_show", self._set, "_unmapped", False)
        info = window.get_window_info() if hasattr(window, "get_window_info") else None
        if type(info).__name__ == "WindowInfoX11":
            self._x11 = X11Visibility.open(info.window)
        if self._x11 is not None:
            self._poll = Clock.schedule_interval(self._read_x11, 0)  # every loop iteration

    def unbind(self) -> None:
        window, self._window = self._window, None
        if window is None:
            return
        window.funbind("on_draw", self._on_draw)
        window.funbind("on_flip", self._on_flip)
        window.funbind("on_minimize", self._set, "_minimized", True)
        window.funbind("on_restore", self._set, "_minimized", False)
        window.funbind("on_hide", self._set, "_unmapped", True)
        window.funbind("on_show", self._set, "_unmapped", False)
        if self._poll is not None:
            self._poll.cancel()
        if self._x11 is not None:
            self._x11.close()
            self._x11 = None
        self._minimized = self._unmapped = self._covered = False
        Clock._max_fps = self.visible_fps

    # handlers: True stops the window's own handler (the draw, the swap)
    def _on_draw(self, *_args: object) -> bool:
        return not self.visible

    def _on_flip(self, *_args: object) -> bool:
        if not self.visible:
            return True
        self.frames += 1
        return False

    def _read_x11(self, _dt: float) -> None:
        covered = self._x11.read() if self._x11 is not None else None
        if covered is not None:
            self._set("_covered", covered)

    def _set(self, flag: str, value: bool, *_args: object) -> None:
        was = self.visible
        setattr(self, flag, value)
        if self.visible == was:
            return
        Clock._max_fps = self.visible_fps if self.visible else self.hidden_fps
        if self.visible and self._window is not None:
            self._window.canvas.ask_update()  # draw what the widgets say now
