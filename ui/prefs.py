"""The listener's preferences: last station, volume, mute, window size, autoplay, and the
volume remembered for each station (`station_volumes`, station id -> 0..100, applied when
that station plays; at most MAX_STATION_VOLUMES, the most recently set kept; stored beside
the prefs in VOLUMES_FILE, so prefs.json keeps its shape).

Stored as small JSON files in the state dir, each an infra.state_file.StateFile: written
atomically under its lock; a missing file gives the defaults, one that is not a prefs
object (or a volumes object) is moved aside as `NAME.corrupt-<UTC time>` and gives the
defaults, and a bad field gives the default for that field alone. Loading never raises.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from infra.state_file import StateFile

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


def _prefs_fields(raw: object) -> dict:
    """The valid fields of a prefs object (a bad one dropped: its default is used)."""
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    good = {f.name: raw[f.name] for f in fields(Prefs)
            if f.name in raw and f.name != "station_volumes" and _valid(f.name, raw[f.name])}
    if good.get("window_size") is not None:
        good["window_size"] = tuple(good["window_size"])
    return good


def _volumes(raw: object) -> dict[str, int]:
    volumes = raw.get("volumes") if isinstance(raw, dict) else None
    if not _valid("station_volumes", volumes):
        raise ValueError('no "volumes" object')
    return _station_volumes(volumes)


def _prefs_file(state_dir: Path) -> StateFile[dict]:
    return StateFile(state_dir / FILE_NAME, parse=_prefs_fields, default=dict,
                     serialize=lambda data: data, ascii_only=True, log=log)


def _volumes_file(state_dir: Path) -> StateFile[dict[str, int]]:
    return StateFile(state_dir / VOLUMES_FILE, parse=_volumes, default=dict,
                     serialize=lambda volumes: {"volumes": volumes}, ascii_only=True,
                     log=log)


def load_prefs(state_dir: Path) -> Prefs:
    """Read the prefs; defaults for anything missing or invalid (logged, never raised)."""
    good = _prefs_file(state_dir).load()
    volumes = _volumes_file(state_dir).load()
    if volumes:
        good["station_volumes"] = volumes
    return Prefs(**good)


def save_prefs(state_dir: Path, prefs: Prefs) -> None:
    """Write the prefs atomically; an I/O error is logged, not raised (the app goes on)."""
    data = asdict(prefs)
    volumes = data.pop("station_volumes")
    if prefs.window_size is not None:
        data["window_size"] = list(prefs.window_size)
    try:
        _prefs_file(state_dir).save(data)
        if volumes or (state_dir / VOLUMES_FILE).exists():
            _volumes_file(state_dir).save(volumes)
    except OSError as err:
        log.warning("could not save preferences to %s: %s", state_dir, err)
