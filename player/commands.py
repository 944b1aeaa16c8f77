"""CLI commands of the player package (called by cli.py)."""

from __future__ import annotations

import json

from player.catalogue import catalogue_to_json, logo_path
from player.stations import Catalogue


def printed_json(catalogue: Catalogue) -> dict:
    """The catalogue's JSON as `stations --json` prints it: each logo as the absolute path of
    its file in this install (the shipped `onair_assets` or the listener's own logos), or
    null when it has none. The catalogue file itself keeps its relative form."""
    data = catalogue_to_json(catalogue)
    for station, row in zip(catalogue.stations, data["stations"], strict=True):
        path = logo_path(station)
        row["logo"] = str(path.resolve()) if path is not None else None
    return data


def cmd_stations(catalogue: Catalogue, *, as_json: bool) -> int:
    """`onair stations [--json]`: the catalogue as JSON (its own schema, logos as absolute
    paths) or a table."""
    if as_json:
        print(json.dumps(printed_json(catalogue), indent=2, ensure_ascii=False))
        return 0
    rows = [("ID", "NAME", "CITY", "TIME ZONE", "STREAMS", "GUIDE", "NEWS", "SUPPORT")]
    for s in catalogue.stations:
        guide = s.schedule.source if s.schedule else "-"
        rows.append((s.id, s.name, s.city or "-", s.timezone, str(len(s.streams)), guide,
                     "yes" if s.news_feed else "-", "yes" if s.support else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def __getattr__(name: str):
    """`cmd_play` (player/play_command.py) re-exported for cli.py, imported on first use
    so that `onair stations` loads neither Kivy nor libvlc."""
    if name == "cmd_play":
        from player.play_command import cmd_play

        return cmd_play
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
