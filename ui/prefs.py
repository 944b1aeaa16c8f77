"""The listener's preferences: last station, volume, mute, window size, autoplay.

Stored as a small JSON file in the state dir, written atomically. A missing,
unreadable or corrupt file (or a bad field) gives the defaults for what is bad;
loading never raises.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from infra.paths import atomic_write_text

log = logging.getLogger(__name__)

FILE_NAME = "prefs.json"


@dataclass(frozen=True)
class Prefs:
    last_station: str | None = None
    volume: int = 80
    muted: bool = False
    window_size: tuple[int, int] | None = None
    autoplay: bool = False

    def with_(self, **changes: object) -> Prefs:
        return replace(self, **changes)


def _valid(name: str, value: object) -> bool:
    if name == "last_station":
        return value is None or (isinstance(value, str) and 0 < len(value) < 200)
    if name == "volume":
        return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100
    if name in ("muted", "autoplay"):
        return isinstance(value, bool)
    if name == "window_size":
        return value is None or (
            isinstance(value, list | tuple) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 20000
                    for v in value))
    return False


def load_prefs(state_dir: Path) -> Prefs:
    """Read the prefs; defaults for anything missing or invalid (logged, never raised)."""
    path = state_dir / FILE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Prefs()
    except (OSError, ValueError) as err:
        log.warning("ignoring unreadable %s: %s", path, err)
        return Prefs()
    if not isinstance(data, dict):
        log.warning("ignoring %s: not a JSON object", path)
        return Prefs()
    good = {f.name: data[f.name] for f in fields(Prefs)
            if f.name in data and _valid(f.name, data[f.name])}
    if "window_size" in good and good["window_size"] is not None:
        good["window_size"] = tuple(good["window_size"])
    return Prefs(**good)


def save_prefs(state_dir: Path, prefs: Prefs) -> None:
    """Write the prefs atomically; an I/O error is logged, not raised (the app goes on)."""
    data = asdict(prefs)
    if prefs.window_size is not None:
        data["window_size"] = list(prefs.window_size)
    try:
        atomic_write_text(state_dir / FILE_NAME, json.dumps(data, indent=1) + "\n")
    except OSError as err:
        log.warning("could not save preferences to %s: %s", state_dir, err)
