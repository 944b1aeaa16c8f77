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


def bold(text: str) -> str:
    """Remote text escaped and wrapped in [b]...[/b]."""
    return f"[b]{escape(text)}[/b]"


def join_nonempty(parts: list[str], sep: str = " · ") -> str:
    """Plain parts joined with `sep`, skipping empty ones (e.g. byline · time ago)."""
    return sep.join(p for p in parts if p)
