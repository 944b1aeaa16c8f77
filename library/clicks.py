"""The directory's click count: the first time ever a directory station plays, its click is
counted (`Directory.count_click`), once per station across restarts and between the GUI
and `onair play`. The counted uuids are kept in the state dir (`directory_clicks.json`),
written before the click is sent, so a click never counts twice. The file is an
infra.state_file.StateFile: one that is not a `{"counted": [...]}` object is moved aside
(`directory_clicks.json.corrupt-<UTC time>`) and the count starts afresh.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Protocol

from infra.state_file import StateFile
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
        self._file = StateFile(self.path, parse=_counted, default=set,
                               serialize=lambda uuids: {"counted": sorted(uuids)},
                               ascii_only=True, log=log)
        self._directory = directory
        self._lock = threading.Lock()
        self._counted = self._file.load()

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
            counted = set(self._counted)
        try:
            self._file.update(lambda on_disk: on_disk | counted)  # another process's too
        except OSError as err:
            log.warning("could not save %s: %s", self.path, err)
        self._directory.count_click(uuid)


def _counted(raw: object) -> set[str]:
    """The counted uuids of a clicks object (an entry that is not a uuid dropped)."""
    values = raw.get("counted") if isinstance(raw, dict) else None
    if not isinstance(values, list):
        raise ValueError('no "counted" list')
    return {v for v in values if is_station_uuid(v)}
