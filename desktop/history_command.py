"""`onair history [--station ID] [--json]`: what was listened to, newest first.

Reads the history file the GUI and `onair play` write (desktop.history). A file that
cannot be read is moved aside (one line naming it and where it was kept) and the history
is empty, as it is for the GUI.
Text: one line per program listened to (from-to) and per stream title heard. JSON: the
file's own shape, `{"programs": [...], "titles": [...]}`, oldest first, filtered by station.
"""

from __future__ import annotations

import json
from pathlib import Path

from desktop.history import HistoryStore


def cmd_history(state_dir: Path, *, station: str | None = None, as_json: bool = False) -> int:
    history = HistoryStore(state_dir).load().for_station(station)
    if as_json:
        out = history.to_json()
        del out["version"]
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    rows = history.rows()
    if not rows:
        print("Nothing listened to yet." if station is None
              else f"Nothing listened to on {station} yet.")
    for row in rows:
        print(row.text)
    return 0
