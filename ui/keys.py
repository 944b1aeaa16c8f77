"""The keyboard map of the main window: which key does what (pure, no toolkit).

`action_for(key, codepoint, modifiers)` turns a Kivy `on_key_down` event into an
action name the app carries out. Plain keys play and browse (Left/Right, Home and End
move in the held stream: player.catchup); the station library's
keys are "/" (or Ctrl+F) search, Delete remove, Ctrl+Z undo, F2 rename and
Ctrl+Up/Down (or Alt+Up/Down) move the selected station. Tab / Shift+Tab move the
keyboard focus and Enter activates the focused control (space too, while one has the focus:
the app decides, ui.focus); Ctrl+, opens the settings. Other keys with Ctrl/Alt/Meta
are left to the system.
"""

from __future__ import annotations

from collections.abc import Sequence

HELP = ("Space play/pause · Up/Down station · Left/Right 30 s · Home program start · End live · "
        "M mute · +/- volume · N next story · Esc close · "
        "Z sleep/alarm · / search · F2 rename · Del remove · Ctrl+Z undo · Ctrl+Up/Down move · "
        "Tab focus · Ctrl+, settings")

UP, DOWN, DELETE, F2 = 273, 274, 127, 283
LEFT, RIGHT, HOME, END = 276, 275, 278, 279
TAB, ENTER, KP_ENTER, COMMA = 9, 13, 271, 44
_BY_KEY = {
    32: "toggle",           # space
    UP: "previous",
    DOWN: "next",
    LEFT: "skip_back",      # catch-up: 30 s back in the held stream
    RIGHT: "skip_forward",
    HOME: "program_start",  # the start of the program on now (or the oldest moment held)
    END: "live",
    27: "close_reader",     # escape
    270: "volume_up",       # keypad +
    269: "volume_down",     # keypad -
    DELETE: "remove",
    F2: "rename",
    ENTER: "activate",      # the focused control (ui.focus); nothing without one
    KP_ENTER: "activate",
}
_BY_CHAR = {
    " ": "toggle",
    "m": "mute",
    "+": "volume_up",
    "=": "volume_up",       # the unshifted "+" key on most layouts
    "-": "volume_down",
    "n": "next_story",
    "/": "search",
    "z": "sleep_alarm",     # Zzz: the sleep timer and alarm dialog
}
# With Ctrl (or Alt for the arrows): by key code, since Ctrl changes the codepoint.
_WITH_CTRL = {102: "search", 122: "undo", UP: "move_up", DOWN: "move_down",  # f, z
              COMMA: "settings"}
_WITH_ALT = {UP: "move_up", DOWN: "move_down"}
VOLUME_STEP = 5


def action_for(key: int, codepoint: str | None, modifiers: Sequence[str] = ()) -> str | None:
    """The action for a key press, or None when the key is not ours."""
    held = set(modifiers) & {"ctrl", "alt", "meta", "super"}
    if key == TAB and not held:  # keyboard focus (ui.focus); Shift+Tab goes back
        return "focus_previous" if "shift" in modifiers else "focus_next"
    if held and "shift" in modifiers:
        return None  # Ctrl+Shift+Z is no undo
    if held == {"ctrl"}:
        return _WITH_CTRL.get(key)
    if held == {"alt"}:
        return _WITH_ALT.get(key)
    if held:
        return None
    if key in _BY_KEY:
        return _BY_KEY[key]
    if codepoint:
        return _BY_CHAR.get(codepoint.lower())
    return None
