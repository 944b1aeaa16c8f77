"""The On Air look: light and dark palettes, type sizes scaled by the font scale, spacing.

The colours and type sizes live on one `Theme` (an EventDispatcher), `THEME`, so that a
change of theme or font scale repaints every widget at once: kv files import it as
`#:import theme ui.theme.THEME` and write `rgba: theme.BG`, `font_size: sp(theme.FONT_M)`;
kv binds those to the Theme's properties and re-evaluates them when `THEME.apply(...)`
changes them. (Kivy's `global_idmap` is one per process, so every kv file must import the
same object under `theme`: tests/ui/test_look.py checks it.) The look is one per process,
as Kivy's own `Metrics` is; only OnAirApp calls `apply`, widgets only read.

Python code that reads a colour once (`from ui import theme; theme.ERROR`) gets the current
palette's through the module's `__getattr__`. Colours are RGBA tuples (0..1); the `*_HEX`
strings are for Kivy markup ("[color=e8a33d]"). Sizes are dp/sp numbers applied by kv
(`dp(theme.PAD)`); the FONT_* sizes are the base sizes times the font scale, and the rows' and
the player bar's heights (ROW_H, BAR_H) grow with it.
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import ColorProperty, NumericProperty, OptionProperty, StringProperty

SCHEMES = ("dark", "light")


def _hex(code: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    code = code.lstrip("#")
    r, g, b = (int(code[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


# name -> (dark, light), as hex ("#rrggbb" or with ":alpha").
_PALETTE = {
    # Surfaces, from the window background up.
    "BG": ("#14171c", "#e6e9ee"),          # window background
    "SURFACE": ("#1e232b", "#fbfbfc"),     # panels, cards, the player bar
    "SURFACE_HI": ("#2a313b", "#e1e6ed"),  # hovered / selected row, inputs, buttons
    "DIVIDER": ("#323a46", "#c9d0da"),
    # Accent and states (the light ones darker, for contrast on white).
    "ACCENT": ("#e8a33d", "#b86a00"),      # amber "on air" light: playing, progress
    "ACCENT_DIM": ("#e8a33d:0.22", "#b86a00:0.22"),
    "OK": ("#6cc58a", "#1d7f46"),
    "WARN": ("#e8c33d", "#8a6100"),
    "ERROR": ("#ef6b5f", "#c0362c"),
    "FOCUS": ("#5cb8ff", "#1565c0"),       # the keyboard focus ring
    # Text.
    "TEXT": ("#eef1f5", "#1b1f24"),
    "TEXT_DIM": ("#9aa4b2", "#5a6472"),
    "TEXT_ON_ACCENT": ("#14171c", "#ffffff"),
    "TOOLTIP_BG": ("#eef1f5", "#2a313b"),
    "TOOLTIP_TEXT": ("#14171c", "#f4f6f9"),
}
_HEXES = {"ACCENT_HEX": "ACCENT", "ERROR_HEX": "ERROR", "DIM_HEX": "TEXT_DIM"}


def colour(name: str, scheme: str) -> tuple[float, float, float, float]:
    """The palette colour `name` ("BG", "ACCENT", ...) in `scheme` ("dark" or "light")."""
    code = _PALETTE[name][SCHEMES.index(scheme)]
    value, _, alpha = code.partition(":")
    return _hex(value, float(alpha) if alpha else 1.0)


def hex_code(name: str, scheme: str) -> str:
    """The palette colour as "rrggbb" for markup."""
    return _PALETTE[name][SCHEMES.index(scheme)].lstrip("#").partition(":")[0]


# Type sizes (sp) at font scale 1.
BASE_FONTS = {"FONT_S": 13, "FONT_M": 15, "FONT_L": 19, "FONT_XL": 24, "ICON": 24}

# Spacing (dp).
PAD = 12
PAD_S = 6
RADIUS = 6
ROW_H = 64          # a station / story row (at font scale 1)
BAR_H = 112         # the player bar (at font scale 1)
ROW_TEXT, BAR_TEXT = 34, 60  # how much of each is text, which grows with the font scale
LOGO = 48           # logo edge in rows
LOGO_L = 80         # logo edge in the player bar
ICON_BUTTON = 40    # an icon button's edge
FOCUS_WIDTH = 2     # the focus ring's line

MIN_WIDTH = 800
MIN_HEIGHT = 600


def _dark(name: str) -> ColorProperty:
    return ColorProperty(colour(name, "dark"))


class Theme(EventDispatcher):
    """The current palette and type sizes; `apply(scheme, font_scale)` changes both."""

    scheme = OptionProperty("dark", options=SCHEMES)
    font_scale = NumericProperty(1.0)
    BG = _dark("BG")
    SURFACE = _dark("SURFACE")
    SURFACE_HI = _dark("SURFACE_HI")
    DIVIDER = _dark("DIVIDER")
    ACCENT = _dark("ACCENT")
    ACCENT_DIM = _dark("ACCENT_DIM")
    OK = _dark("OK")
    WARN = _dark("WARN")
    ERROR = _dark("ERROR")
    FOCUS = _dark("FOCUS")
    TEXT = _dark("TEXT")
    TEXT_DIM = _dark("TEXT_DIM")
    TEXT_ON_ACCENT = _dark("TEXT_ON_ACCENT")
    TOOLTIP_BG = _dark("TOOLTIP_BG")
    TOOLTIP_TEXT = _dark("TOOLTIP_TEXT")
    ACCENT_HEX = StringProperty(hex_code("ACCENT", "dark"))
    ERROR_HEX = StringProperty(hex_code("ERROR", "dark"))
    DIM_HEX = StringProperty(hex_code("TEXT_DIM", "dark"))
    FONT_S = NumericProperty(BASE_FONTS["FONT_S"])
    FONT_M = NumericProperty(BASE_FONTS["FONT_M"])
    FONT_L = NumericProperty(BASE_FONTS["FONT_L"])
    FONT_XL = NumericProperty(BASE_FONTS["FONT_XL"])
    ICON = NumericProperty(BASE_FONTS["ICON"])
    ROW_H = NumericProperty(ROW_H)  # rows and the bar grow with their text (font scale)
    BAR_H = NumericProperty(BAR_H)

    # The constants, here too so kv reads everything from one `theme`.
    PAD, PAD_S, RADIUS = PAD, PAD_S, RADIUS
    LOGO, LOGO_L, ICON_BUTTON, FOCUS_WIDTH = LOGO, LOGO_L, ICON_BUTTON, FOCUS_WIDTH
    MIN_WIDTH, MIN_HEIGHT = MIN_WIDTH, MIN_HEIGHT

    def apply(self, scheme: str, font_scale: float = 1.0) -> None:
        """Switch to `scheme` ("dark"/"light") at `font_scale` (1 = the base sizes); every
        kv rule reading a changed property is re-evaluated."""
        if scheme not in SCHEMES:
            raise ValueError(f"unknown colour scheme {scheme!r} (one of {', '.join(SCHEMES)})")
        for name in _PALETTE:
            setattr(self, name, colour(name, scheme))
        for name, source in _HEXES.items():
            setattr(self, name, hex_code(source, scheme))
        for name, size in BASE_FONTS.items():
            setattr(self, name, round(size * font_scale, 1))
        self.ROW_H = round(ROW_H + ROW_TEXT * (font_scale - 1))
        self.BAR_H = round(BAR_H + BAR_TEXT * (font_scale - 1))
        self.font_scale = font_scale
        self.scheme = scheme


THEME = Theme()


def __getattr__(name: str) -> object:
    """`theme.BG` etc. from Python: the current value on THEME."""
    if name in _PALETTE:
        return tuple(getattr(THEME, name))  # a colour as the RGBA tuple it always was
    if name in _HEXES or name in BASE_FONTS:
        return getattr(THEME, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
