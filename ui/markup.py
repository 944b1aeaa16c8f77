"""Kivy markup escaping for remote text (titles, bylines, stories, stream titles).

Every label that shows remote text with `markup: True` passes it through
`escape`, so a title like "[color=ff0000]x[/color]" is shown literally.
"""

from __future__ import annotations

_ENTITIES = (("&", "&amp;"), ("[", "&bl;"), ("]", "&br;"))


def escape(text: str) -> str:
    """Text safe to put inside Kivy markup: `&`, `[` and `]` become entities."""
    for raw, entity in _ENTITIES:
        text = text.replace(raw, entity)
    return text

