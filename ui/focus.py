"""Keyboard focus: Tab / Shift+Tab move a visible ring across every control, Enter or space
activates the one it is on.

`controls(root)` lists the controls a listener can reach, in the order they are laid out
(depth first, as added: the player bar, the stations, Up Next, the news, the help line):
every button (ButtonBehavior: buttons, icon buttons, station and story rows), slider and
text field that is shown (opacity > 0 up to the window), enabled and inside the window.
While a dialog (a ModalView) is open, only its controls.

`FocusRing` keeps the focused control and draws the ring (theme.FOCUS, a 2 dp line round
it, over everything, in the window's `canvas.after`). `move(+1/-1)` goes to the next or
previous control (wrapping, starting from the first), `activate()` presses a button
(`trigger_action`, so its on_press/on_release run as for a click) or puts the caret in a
text field, `nudge(+1/-1)` moves a focused slider by a twentieth of its range, `clear()`
drops the focus (a click anywhere, Esc). The app decides which key does what (ui.keys):
space is play/pause unless a control has the focus.
"""

from __future__ import annotations

from kivy.clock import Clock
from kivy.graphics import Color, InstructionGroup, Line
from kivy.metrics import dp
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.modalview import ModalView
from kivy.uix.slider import Slider
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from ui.theme import THEME

FOCUSABLE = (ButtonBehavior, Slider, TextInput)
RING_GAP = 2  # dp between the control and its ring
FOLLOW_S = 0.1  # the ring follows a control that moves with its parents (a list scrolls)


def _shown(widget: Widget) -> bool:
    return widget.opacity > 0 and not widget.disabled and widget.width > 1 and \
        widget.height > 1


def _inside_window(widget: Widget, window) -> bool:
    x, y = widget.to_window(*widget.center)
    return 0 <= x <= window.width and 0 <= y <= window.height


def controls(window) -> list[Widget]:
    """The reachable controls of the window (of its topmost dialog while one is open)."""
    tops = [w for w in window.children if isinstance(w, ModalView)]
    roots = tops[:1] if tops else list(reversed(window.children))
    found: list[Widget] = []

    def walk(widget: Widget) -> None:
        if not _shown(widget):
            return
        if isinstance(widget, FOCUSABLE):
            if _inside_window(widget, window):
                found.append(widget)
            if not isinstance(widget, ButtonBehavior):
                return  # a slider's or field's insides are no controls
        for child in reversed(widget.children):  # Kivy keeps the last added first
            walk(child)

    for root in roots:
        walk(root)
    return found


class FocusRing:
    """The keyboard focus of one window and its ring."""

    def __init__(self, window) -> None:
        self.window = window
        self.current: Widget | None = None
        self._group = InstructionGroup()
        self._colour = Color(rgba=THEME.FOCUS)
        self._line = Line(width=dp(THEME.FOCUS_WIDTH))
        self._group.add(self._colour)
        self._group.add(self._line)
        self._drawn = False
        self._box: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
        self._follow = Clock.schedule_interval(self._redraw, FOLLOW_S)
        self._follow.cancel()  # runs only while a control has the focus
        THEME.bind(FOCUS=self._recolour)

    def close(self) -> None:
        """Drop the focus and the ring for good (the app stops)."""
        self.clear()
        self._follow.cancel()
        THEME.unbind(FOCUS=self._recolour)

    def _recolour(self, *_args) -> None:
        self._colour.rgba = THEME.FOCUS

    def move(self, step: int) -> Widget | None:
        """Focus the next (`step` 1) or previous (-1) control; the one focused, or None."""
        reachable = controls(self.window)
        if not reachable:
            self.clear()
            return None
        typing = [w for w in reachable if isinstance(w, TextInput) and w.focus]
        if typing and self.current is not typing[0]:
            self.current = typing[0]  # a field clicked into: Tab goes on from there
        if self.current in reachable:
            index = (reachable.index(self.current) + step) % len(reachable)
        else:
            index = 0 if step > 0 else len(reachable) - 1
        self.focus(reachable[index])
        return self.current

    def focus(self, widget: Widget) -> None:
        self._let_go()
        self.current = widget
        widget.fbind("pos", self._redraw)
        widget.fbind("size", self._redraw)
        widget.fbind("opacity", self._redraw)
        if hasattr(widget, "show_tooltip"):
            widget.show_tooltip()
        self._follow()
        self._redraw()

    def clear(self) -> None:
        self._let_go()
        self.current = None
        self._redraw()

    def _let_go(self) -> None:
        widget = self.current
        self._follow.cancel()
        if widget is None:
            return
        widget.funbind("pos", self._redraw)
        widget.funbind("size", self._redraw)
        widget.funbind("opacity", self._redraw)
        if hasattr(widget, "hide_tooltip"):
            widget.hide_tooltip()
        if isinstance(widget, TextInput):
            widget.focus = False

    def has_focus(self) -> bool:
        """A control has the focus and is still shown in the window."""
        widget = self.current
        return widget is not None and widget.get_root_window() is not None and _shown(widget)

    def typing(self) -> bool:
        """The focused control is a text field with the caret in it (keys are its own)."""
        return isinstance(self.current, TextInput) and self.current.focus

    def activate(self) -> bool:
        """Press the focused control (True), or nothing is focused (False)."""
        if not self.has_focus():
            return False
        widget = self.current
        if isinstance(widget, ButtonBehavior):
            widget.trigger_action(duration=0)
        elif isinstance(widget, TextInput):
            widget.focus = True
        return True

    def nudge(self, step: int) -> bool:
        """Move a focused slider by a twentieth of its range (True), else False."""
        widget = self.current
        if not (self.has_focus() and isinstance(widget, Slider)):
            return False
        span = widget.max - widget.min
        widget.value = min(widget.max, max(widget.min, widget.value + step * span / 20))
        return True

    def ring_box(self) -> tuple[float, float, float, float] | None:
        """The ring's (x, y, width, height) in window pixels, or None when not drawn."""
        return tuple(self._box) if self._drawn else None  # type: ignore[return-value]

    def _redraw(self, *_args) -> None:
        widget = self.current
        canvas = self.window.canvas.after
        if widget is None or not self.has_focus():
            if self._drawn:
                canvas.remove(self._group)
                self._drawn = False
            return
        gap = dp(RING_GAP)
        x, y = widget.to_window(widget.x, widget.y)
        box = (x - gap, y - gap, widget.width + 2 * gap, widget.height + 2 * gap)
        if box != self._box or not self._drawn:
            self._box = box
            self._line.rectangle = box
        if not self._drawn:
            canvas.add(self._group)
            self._drawn = True
