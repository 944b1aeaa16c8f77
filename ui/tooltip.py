"""Tooltips: a short line of text shown beside a control while the pointer rests on it.

`TooltipBehavior` is a mixin for a widget with a `tooltip` text: while it is in a window it
follows `Window.mouse_pos`, and when the pointer has rested on it for TOOLTIP_DELAY_S the
one `TooltipLabel` of that window appears under it (above it near the bottom edge), kept
inside the window; it goes when the pointer leaves, on a click, or when the widget is
hidden or removed. Keyboard focus (ui.focus) shows it at once too (`show_tooltip`).
"""

from __future__ import annotations

from functools import cache

from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.label import Label

from ui.theme import THEME

TOOLTIP_DELAY_S = 0.45
_GAP = 6  # dp between the control and its tooltip


class TooltipLabel(Label):
    """The tooltip itself: a rounded box with one line of text, laid over the window."""

    def __init__(self, **kwargs) -> None:
        from kivy.graphics import Color, RoundedRectangle

        super().__init__(size_hint=(None, None), halign="center", valign="middle",
                         **kwargs)
        self.owner_uid = -1  # the widget whose tooltip this is
        with self.canvas.before:
            self._bg = Color(rgba=THEME.TOOLTIP_BG)
            self._box = RoundedRectangle(radius=[dp(4)])
        self.bind(pos=self._layout, size=self._layout, texture_size=self._fit)
        THEME.bind(TOOLTIP_BG=self._recolour, TOOLTIP_TEXT=self._recolour,
                   FONT_S=self._recolour)
        self._recolour()

    def _recolour(self, *_args) -> None:
        self._bg.rgba = THEME.TOOLTIP_BG
        self.color = THEME.TOOLTIP_TEXT
        self.font_size = sp(THEME.FONT_S)

    def _fit(self, *_args) -> None:
        self.size = (self.texture_size[0] + dp(16), self.texture_size[1] + dp(10))

    def _layout(self, *_args) -> None:
        self._box.pos, self._box.size = self.pos, self.size

    def place_by(self, widget) -> None:
        """Under `widget` (above it when there is no room below), inside the window."""
        self.texture_update()
        self._fit()
        window = widget.get_root_window()
        x, y = widget.to_window(widget.x, widget.y)
        left = min(max(dp(4), x + widget.width / 2 - self.width / 2),
                   window.width - self.width - dp(4))
        below = y - dp(_GAP) - self.height
        top = y + widget.height + dp(_GAP)
        self.pos = (left, below if below >= dp(4) else top)


@cache
def _label() -> TooltipLabel:
    """The one tooltip of the window (Kivy has one window), made when first shown."""
    return TooltipLabel()


def shown_tooltip() -> str:
    """The text of the tooltip on screen, or "" (for the debug state and tests)."""
    label = _label()
    return label.text if label.parent is not None else ""


def _owned_by(uid: int) -> TooltipLabel | None:
    label = _label()
    return label if label.parent is not None and label.owner_uid == uid else None


class TooltipBehavior:
    """Mixin (before the widget class): `tooltip` text, shown while the pointer rests."""

    tooltip = StringProperty("")
    hovered = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._show_later = Clock.create_trigger(self._show_if_hovered, TOOLTIP_DELAY_S)
        self._following = False
        self.fbind("parent", self._follow_pointer)
        self.fbind("opacity", self._hidden_check)
        self.fbind("disabled", self._hidden_check)

    def _follow_pointer(self, *_args) -> None:
        from kivy.core.window import Window

        if self.parent is not None and not self._following:
            Window.fbind("mouse_pos", self._on_mouse_pos)
            self._following = True
        elif self.parent is None and self._following:
            Window.funbind("mouse_pos", self._on_mouse_pos)
            self._following = False
            self._leave()

    def _shown(self) -> bool:
        if self.get_root_window() is None or self.disabled:
            return False
        widget = self
        while widget is not None and widget is not widget.parent:
            if widget.opacity <= 0:
                return False
            widget = widget.parent
        return True

    def _on_mouse_pos(self, _window, pos) -> None:
        inside = self._shown() and self.collide_point(*self.to_widget(*pos))
        if inside and not self.hovered:
            self.hovered = True
            self._show_later()
        elif not inside and self.hovered:
            self._leave()

    def _hidden_check(self, *_args) -> None:
        if not self._shown():
            self._leave()

    def _leave(self) -> None:
        self.hovered = False
        self._show_later.cancel()
        self.hide_tooltip()

    def _show_if_hovered(self, _dt: float) -> None:
        if self.hovered and self._shown():
            self.show_tooltip()

    def show_tooltip(self) -> None:
        """Show this widget's tooltip now (hover after the delay, or keyboard focus)."""
        if not self.tooltip or not self._shown():
            return
        label = _label()
        label.text = self.tooltip
        label.owner_uid = self.uid
        if label.parent is None:
            self.get_root_window().add_widget(label)
        label.place_by(self)

    def hide_tooltip(self) -> None:
        if (label := _owned_by(self.uid)) is not None:
            label.parent.remove_widget(label)

    def on_tooltip(self, _widget, text: str) -> None:
        if (label := _owned_by(self.uid)) is not None:
            label.text = text  # "Play" becomes "Pause" under the pointer
            label.place_by(self)

    def on_press(self) -> None:
        self._show_later.cancel()
        self.hide_tooltip()
        super_press = getattr(super(), "on_press", None)
        if super_press is not None:
            super_press()
