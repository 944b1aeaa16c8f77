"""The directory's click count: the first time ever a directory station plays, its click is
counted (`Directory.count_click`), once per station across restarts and between the GUI
and `onair play`. The counted uuids are kept in the state dir (`directory_clicks.json`),
written before the click is sent, so a click never counts twice.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Protocol

from infra.paths import atomic_write_text
from library.model import is_station_uuid
from player.stations import Station

log = logging.getLogger(__name__)
CLICKS_FILE = "directory_clicks.json"


class Counter(Protocol):
    def count_click(self, uuid: str) -> None: ...


def directory_uuid(station: Station) -> str | None:
    """The Radio Browser uuid of a station added from the directory, else None."""
    uuid = station.directory_uuid
    return uuid if is_station_uuid(uuid) else None


class ClickLog:
    """Thread-safe: `due` on the caller's thread, `count` on a worker (it sends a request)."""

    def __init__(self, state_dir: Path, directory: Counter) -> None:
        self.path = Path(state_dir) / CLICKS_FILE
        self._directory = directory
        self._lock = threading.Lock()
        self._counted = _read(self.path)

    def due(self, station: Station) -> str | None:
        """The uuid to count for `station` now (marked counted), or None: not a directory
        station, or counted before."""
        uuid = directory_uuid(station)
        with self._lock:
            if uuid is None or uuid in self._counted:
                return None
            self._counted.add(uuid)
        return uuid

    def count(self, uuid: str) -> None:
        """Save the counted set, then count the click (blocking; never raises)."""
        with self._lock:
            counted = sorted(self._counted)
        try:
            atomic_write_text(self.path, json.dumps({"counted": counted}, indent=1) + "\n")
        except OSError as err:
            log.warning("could not save %s: %s", self.path, err)
        self._directory.count_click(uuid)


def _read(path: Path) -> set[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        if not isinstance(err, FileNotFoundError):
            log.warning("ignoring unreadable %s: %s", path, err)
        return set()
    values = data.get("counted") if isinstance(data, dict) else None
    return {v for v in values if is_station_uuid(v)} if isinstance(values, list) else set()
