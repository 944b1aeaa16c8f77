"""Icons from the shipped icon font, and `IconButton`, a button that shows one with a tooltip.

The font is Google's Material Icons (assets/fonts/MaterialIcons-Regular.ttf, Apache 2.0,
its licence beside it; taken from Debian's fonts-material-design-icons-iconfont): one font
file gives every glyph at any size, in the theme's text colour, and needs no image per
state or scale. `GLYPHS` maps our names to its code points (from the font's codepoint
list). kv: `IconButton: icon: 'play'` with `tooltip: 'Play (Space)'`.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from kivy.core.text import LabelBase
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.button import Button

from infra.paths import asset
from ui.tooltip import TooltipBehavior

_KV = str(files("ui") / "icons.kv")
FONT_FILE = "fonts/MaterialIcons-Regular.ttf"
FONT_NAME = "OnAirIcons"
GLYPHS = {
    "play": "\ue037",        # play_arrow
    "pause": "\ue034",
    "stop": "\ue047",
    "volume": "\ue050",      # volume_up
    "muted": "\ue04f",       # volume_off
    "back_30": "\ue05a",     # replay_30
    "forward_30": "\ue057",  # forward_30
    "back_10": "\ue059",     # replay_10
    "forward_10": "\ue056",  # forward_10
    "previous": "\ue045",    # skip_previous
    "next": "\ue044",        # skip_next
    "record": "\ue061",      # fiber_manual_record
    "settings": "\ue8b8",
    "close": "\ue5cd",
    "refresh": "\ue5d5",
    "add": "\ue145",
    "bedtime": "\uef44",     # the sleep timer
}


@cache
def icon_font() -> str:
    """The icon font's Kivy name, registered the first time it is asked for."""
    LabelBase.register(name=FONT_NAME, fn_regular=str(asset(FONT_FILE)))
    return FONT_NAME


def glyph(name: str) -> str:
    """The character of icon `name` (KeyError names the unknown icon)."""
    return GLYPHS[name]


class IconButton(TooltipBehavior, Button):
    """A square button showing `icon` in the icon font, with `tooltip` on hover and focus.
    `accent`: drawn in the accent colour (the main action, play/pause); `lit`: the icon in
    the accent colour (a state that is on, e.g. muted)."""

    icon = StringProperty("play")
    accent = BooleanProperty(False)
    lit = BooleanProperty(False)

    def __init__(self, **kwargs) -> None:
        if _KV not in Builder.files:
            Builder.load_file(_KV)
        kwargs.setdefault("font_name", icon_font())
        super().__init__(**kwargs)
