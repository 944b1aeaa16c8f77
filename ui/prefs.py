"""The listener's preferences: last station, volume, mute, window size, autoplay, and the
volume remembered for each station (`station_volumes`, station id -> 0..100, applied when
that station plays; at most MAX_STATION_VOLUMES, the most recently set kept; stored beside
the prefs in VOLUMES_FILE, so prefs.json keeps its shape).

Stored as a small JSON file in the state dir, written atomically. A missing,
unreadable or corrupt file (or a bad field) gives the defaults for what is bad;
loading never raises.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from infra.paths import atomic_write_text

log = logging.getLogger(__name__)

FILE_NAME = "prefs.json"
VOLUMES_FILE = "station_volumes.json"  # {"volumes": {station id: 0..100}}
MAX_STATION_VOLUMES = 500


@dataclass(frozen=True)
class Prefs:
    last_station: str | None = None
    volume: int = 80
    muted: bool = False
    window_size: tuple[int, int] | None = None
    autoplay: bool = False
    station_volumes: dict[str, int] = field(default_factory=dict)

    def with_(self, **changes: object) -> Prefs:
        return replace(self, **changes)

    def volume_for(self, station_id: str) -> int | None:
        """The volume remembered for this station, or None (it plays at the current one)."""
        return self.station_volumes.get(station_id)

    def with_station_volume(self, station_id: str, volume: int) -> Prefs:
        """These prefs with `volume` remembered for the station (the newest entry last)."""
        volumes = {k: v for k, v in self.station_volumes.items() if k != station_id}
        volumes[station_id] = max(0, min(100, int(volume)))
        while len(volumes) > MAX_STATION_VOLUMES:
            del volumes[next(iter(volumes))]
        return replace(self, station_volumes=volumes)


def _is_volume(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100


def _is_station_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) < 200


def _valid(name: str, value: object) -> bool:
    if name == "last_station":
        return value is None or _is_station_id(value)
    if name == "volume":
        return _is_volume(value)
    if name in ("muted", "autoplay"):
        return isinstance(value, bool)
    if name == "window_size":
        return value is None or (
            isinstance(value, list | tuple) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and 100 <= v <= 20000
                    for v in value))
    if name == "station_volumes":
        return isinstance(value, dict)
    return False


def _station_volumes(value: dict) -> dict[str, int]:
    """The valid entries of a stored station -> volume map (the last ones when too many)."""
    good = {k: v for k, v in value.items() if _is_station_id(k) and _is_volume(v)}
    return dict(list(good.items())[-MAX_STATION_VOLUMES:])


def _read_object(path: Path) -> dict:
    """The JSON object in `path`; {} when missing or unreadable (logged)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        log.warning("ignoring unreadable %s: %s", path, err)
        return {}
    if not isinstance(data, dict):
        log.warning("ignoring %s: not a JSON object", path)
        return {}
    return data


def load_prefs(state_dir: Path) -> Prefs:
    """Read the prefs; defaults for anything missing or invalid (logged, never raised)."""
    data = _read_object(state_dir / FILE_NAME)
    good = {f.name: data[f.name] for f in fields(Prefs)
            if f.name in data and f.name != "station_volumes" and _valid(f.name, data[f.name])}
    if "window_size" in good and good["window_size"] is not None:
        good["window_size"] = tuple(good["window_size"])
    volumes = _read_object(state_dir / VOLUMES_FILE).get("volumes")
    if _valid("station_volumes", volumes):
        good["station_volumes"] = _station_volumes(volumes)
    return Prefs(**good)


def save_prefs(state_dir: Path, prefs: Prefs) -> None:
    """Write the prefs atomically; an I/O error is logged, not raised (the app goes on)."""
    data = asdict(prefs)
    volumes = data.pop("station_volumes")
    if prefs.window_size is not None:
        data["window_size"] = list(prefs.window_size)
    try:
        atomic_write_text(state_dir / FILE_NAME, json.dumps(data, indent=1) + "\n")
        if volumes or (state_dir / VOLUMES_FILE).exists():
            atomic_write_text(state_dir / VOLUMES_FILE,
                              json.dumps({"volumes": volumes}, indent=1) + "\n")
    except OSError as err:
        log.warning("could not save preferences to %s: %s", state_dir, err)
