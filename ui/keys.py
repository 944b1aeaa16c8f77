"""The keyboard map of the main window: which key does what (pure, no toolkit).

`action_for(key, codepoint, modifiers)` turns a Kivy `on_key_down` event into an
action name the app carries out; keys with Ctrl/Alt/Meta are left to the system.
"""

from __future__ import annotations

from collections.abc import Sequence

HELP = ("Space play/pause   ·   Up/Down station   ·   M mute   ·   +/- volume   ·   "
        "N next story   ·   Esc close story")

_BY_KEY = {
    32: "toggle",           # space
    273: "previous",        # up
    274: "next",            # down
    27: "close_reader",     # escape
    270: "volume_up",       # keypad +
    269: "volume_down",     # keypad -
}
_BY_CHAR = {
    " ": "toggle",
    "m": "mute",
    "+": "volume_up",
    "=": "volume_up",       # the unshifted "+" key on most layouts
    "-": "volume_down",
    "n": "next_story",
}
VOLUME_STEP = 5


def action_for(key: int, codepoint: str | None, modifiers: Sequence[str] = ()) -> str | None:
    """The action for a key press, or None when the key is not ours."""
    if set(modifiers) & {"ctrl", "alt", "meta", "super"}:
        return None
    if key in _BY_KEY:
        return _BY_KEY[key]
    if codepoint:
        return _BY_CHAR.get(codepoint.lower())
    return None
