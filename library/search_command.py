"""`onair search`: find stations in the directory (called by cli.py)."""

from __future__ import annotations

import json

from library.directory import Directory
from library.model import DirectoryStation

NAME_WIDTH = 40
TAGS_WIDTH = 40
ELLIPSIS = "…"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + ELLIPSIS


def _format(s: DirectoryStation) -> str:
    codec = s.codec or "?"
    return f"{codec} {s.bitrate}k" if s.bitrate else codec


def _where(s: DirectoryStation) -> str:
    return ", ".join(part for part in (s.country, s.state) if part) or "-"


def cmd_search(directory: Directory, query: str | None, *, tag: str | None,
               country: str | None, state: str | None, codec: str | None, limit: int,
               as_json: bool) -> int:
    """`onair search [QUERY] [--tag T] [--country CC] [--state S] [--codec C] [--limit N]
    [--json]`: the directory's matching stations, most clicked first. BadInput (exit 2) for
    bad filters, SourceUnavailable (exit 3) when no directory server answers."""
    results = directory.search(query or "", tag=tag, country=country, state=state,
                               codec=codec, limit=limit)
    if as_json:
        print(json.dumps({"results": [s.to_json() for s in results]}, indent=2,
                         ensure_ascii=False))
        return 0
    if not results:
        print("No stations found.")
        return 0
    rows = [("ID", "NAME", "FORMAT", "WHERE", "TAGS", "URL")]
    for s in results:
        rows.append((s.id, _cut(s.name, NAME_WIDTH), _format(s), _where(s),
                     _cut(", ".join(s.tags), TAGS_WIDTH) or "-", s.url))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0
