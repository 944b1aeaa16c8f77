"""The window's look and its keyboard focus, for OnAirApp: the theme and font size from the
settings (and the desktop's scheme for "system"), the settings view, and Tab/Enter.

`Look` (an EventDispatcher: the app's controller for these) holds the listener's
`settings` and the desktop's `system_scheme` (services.py feeds it from the XDG portal,
desktop.color_scheme, on the Kivy thread); whenever either changes, it applies the theme
(ui.theme.THEME) and the window's clear colour, so every widget repaints at once. Saving
writes the settings atomically (infra.settings) and says in one line what went wrong.

`Look.key(action, key)` is the keyboard of the focus ring (ui.focus) and of the settings
view while it is open: it answers True (taken), False (not ours: the text field's or the
system's) or None (go on with the app's own keys).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.event import EventDispatcher
from kivy.properties import ObjectProperty, OptionProperty

from infra.settings import FILE_NAME, Settings, save_settings
from ui.focus import FocusRing
from ui.keys import DOWN, LEFT, RIGHT, UP
from ui.theme import SCHEMES, THEME

_NUDGE = {LEFT: -1, DOWN: -1, RIGHT: 1, UP: 1}


class Look(EventDispatcher):
    """The theme, font size, settings view and keyboard focus of the app's window."""

    settings = ObjectProperty(Settings())
    system_scheme = OptionProperty("dark", options=SCHEMES)

    def __init__(self, config_dir: Path, settings: Settings | None = None, *,
                 system_scheme: str = "dark", **kwargs) -> None:
        super().__init__(settings=settings or Settings(), system_scheme=system_scheme, **kwargs)
        self.config_dir = config_dir
        self.view = None  # the SettingsView, built when first opened
        self.ring: FocusRing | None = None  # made with the window (start)
        self._window = None
        self.fbind("settings", self.apply)
        self.fbind("system_scheme", self.apply)
        self.apply()  # before the widgets are built: they start in the right colours

    def scheme(self) -> str:
        """"dark" or "light": the setting, or the desktop's for "system"."""
        theme = self.settings.theme
        return theme if theme in SCHEMES else self.system_scheme

    def apply(self, *_args) -> None:
        THEME.apply(self.scheme(), self.settings.font_scale)
        if self._window is not None:  # app.kv paints the background between the panels
            self._window.clearcolor = THEME.SURFACE

    def start(self, window) -> None:
        """Apply the look and make the window's focus ring (a click drops the focus)."""
        self._window = window
        self.apply()
        self.ring = FocusRing(window)
        window.fbind("on_touch_down", self._touched)

    def stop(self, window) -> None:
        window.funbind("on_touch_down", self._touched)
        if self.ring is not None:
            self.ring.close()
        if self.view is not None:
            self.view.dismiss(animation=False)

    def _touched(self, *_args) -> None:
        if self.ring is not None:
            self.ring.clear()

    def save(self, settings: Settings) -> str:
        """Write `settings` (atomically) and apply them; "" or what went wrong."""
        try:
            save_settings(self.config_dir, settings)
        except OSError as err:
            return f"Could not save {self.config_dir / FILE_NAME}: {err.strerror or err}"
        self.settings = settings
        return ""

    def open_settings(self, autoplay: bool, save: Callable[[Settings, bool], str],
                      default_recordings: Path) -> None:
        """Show the settings view (built the first time)."""
        if self.view is None:
            from ui.settings_view import SettingsView

            self.view = SettingsView(save=save, default_recordings=default_recordings)
        if self.ring is not None:
            self.ring.clear()
        self.view.open_with(self.settings, autoplay)

    def state(self) -> dict:
        """For the debug state (ui.debug_state): the scheme and font scale shown, the desktop's
        scheme as last told, whether the settings view is open, the focused control's tooltip
        or text, and the tooltip shown."""
        from ui.tooltip import shown_tooltip

        widget = self.ring.current if self.ring is not None and self.ring.has_focus() else None
        focus = None if widget is None else (getattr(widget, "tooltip", "") or
                                             getattr(widget, "text", "") or
                                             getattr(widget, "plain_name", ""))
        return {"scheme": THEME.scheme, "system": self.system_scheme,
                "font_scale": THEME.font_scale,
                "settings_open": self.settings_open(), "focus": focus,
                "tooltip": shown_tooltip()}

    def settings_open(self) -> bool:
        return self.view is not None and self.view.is_open

    def key(self, action: str | None, key: int) -> bool | None:
        """The focus ring's keys (and the settings view's while it is open)."""
        ring = self.ring
        dialog = self.settings_open()
        if ring is None:
            return None
        if action in ("focus_next", "focus_previous"):
            ring.move(1 if action == "focus_next" else -1)
            return True
        if ring.typing() or (dialog and self.view.typing()):
            return False  # the text field's keys (Enter and Esc leave it)
        if action in ("activate", "toggle") and ring.activate():
            return True
        if key in _NUDGE and ring.nudge(_NUDGE[key]):
            return True
        if action == "close_reader" and ring.has_focus():
            ring.clear()  # Esc drops the focus first, then (again) closes
            return True
        if dialog:
            if action == "close_reader":
                self.view.dismiss(animation=False)
            return True  # a dialog: the app's other keys wait until it is closed
        return None
