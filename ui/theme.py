"""The one On Air theme: a dark palette, type sizes and spacing, shared by every widget.

Colours are RGBA tuples (0..1) for kv `rgba:` / `color:`; sizes are in dp/sp
applied by the kv files (`dp(theme.PAD)`, `sp(theme.FONT_M)`). Import as
`#:import theme ui.theme` in kv.
"""

from __future__ import annotations


def _hex(code: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    code = code.lstrip("#")
    r, g, b = (int(code[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


# Surfaces, from the window background up.
BG = _hex("#14171c")          # window background
SURFACE = _hex("#1e232b")     # panels, cards, the player bar
SURFACE_HI = _hex("#2a313b")  # hovered / selected row, inputs
DIVIDER = _hex("#323a46")

# Accent and states.
ACCENT = _hex("#e8a33d")      # amber "on air" light: playing, progress, focus
ACCENT_DIM = _hex("#e8a33d", 0.22)
OK = _hex("#6cc58a")
WARN = _hex("#e8c33d")
ERROR = _hex("#ef6b5f")

# The same colours as hex for Kivy markup ("[color=e8a33d]").
ACCENT_HEX = "e8a33d"
ERROR_HEX = "ef6b5f"
DIM_HEX = "9aa4b2"

# Text.
TEXT = _hex("#eef1f5")
TEXT_DIM = _hex("#9aa4b2")
TEXT_ON_ACCENT = _hex("#14171c")

# Type sizes (sp).
FONT_S = 13
FONT_M = 15
FONT_L = 19
FONT_XL = 24

# Spacing (dp).
PAD = 12
PAD_S = 6
RADIUS = 6
ROW_H = 64          # a station / story row
BAR_H = 112         # the player bar
LOGO = 48           # logo edge in rows
LOGO_L = 80         # logo edge in the player bar

MIN_WIDTH = 800
MIN_HEIGHT = 600
