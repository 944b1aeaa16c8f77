"""`onair stations add|remove|rename|import|export`: change the listener's catalogue.

`add` prints the new station's id (`--json`: the station, in the catalogue's schema);
`remove` and `rename` say what they did; `import` prints one line per station added (id and
name; `--json`: {"added": [station], "skipped": [..], "problems": [..]}) and reports each
skipped line on stderr ("onair: stations.csv line 7: ..."), and a station whose stream is
already in the catalogue is left out; `export` says how many it wrote. Problems raise
BadInput (exit 2) or SourceUnavailable (exit 3), printed by main.py as one line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from infra.errors import BadInput, OnAirError
from infra.http import HttpClient
from infra.urls import one_line
from library.add import (
    enrich_from_homepage,
    station_from_directory,
    station_from_homepage,
    station_from_stream,
)
from library.playlist_io import export_stations, import_stations
from library.user_catalogue import UserCatalogue, clean_name
from player.catalogue import station_to_json
from player.stations import Station

if TYPE_CHECKING:
    from library.directory import Directory


def _note(text: str) -> None:
    print(f"onair: {text}", file=sys.stderr)


def _dump(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def cmd_add(store: UserCatalogue, http: HttpClient, directory: Callable[[], Directory], *,
            url: str | None, name: str | None, homepage: str | None,
            directory_uuid: str | None, as_json: bool) -> int:
    """Add one station: by stream/playlist URL, by website, or by directory uuid."""
    given = [what for what in (url, homepage, directory_uuid) if what is not None]
    if len(given) != 1:
        raise BadInput("stations add: give one of a stream URL, --homepage URL or "
                       "--directory UUID")
    if name is not None and not clean_name(name):
        raise BadInput("stations add: --name must not be empty")
    store.load()  # a corrupt catalogue is named before anything is fetched
    if url is not None:
        station = station_from_stream(url, name, http.fetch_head)
    elif homepage is not None:
        station = station_from_homepage(http, homepage)
    else:
        assert directory_uuid is not None
        station = station_from_directory(directory().get(directory_uuid))
        try:
            station = enrich_from_homepage(http, station)
        except OnAirError as err:
            _note(f"added without schedule, news or support page: {err}")
    if name is not None:
        station = replace(station, name=clean_name(name))
    saved = store.add(station)
    if as_json:
        _dump(station_to_json(saved))
    else:
        print(saved.id)
    return 0


def cmd_remove(store: UserCatalogue, station_id: str) -> int:
    station, _ = store.remove(station_id)
    print(f"removed {station.id} ({station.name})")
    return 0


def cmd_rename(store: UserCatalogue, station_id: str, name: str) -> int:
    station = store.rename(station_id, name)
    print(f"renamed {station.id}: {station.name}")
    return 0


def cmd_import(store: UserCatalogue, path: str, *, as_json: bool) -> int:
    """Import a playlist file; bad lines and stations already there are reported."""
    current = store.load()
    result = import_stations(Path(path))
    known = {stream.url: s.id for s in current.stations for stream in s.streams}
    fresh: list[Station] = []
    skipped: list[str] = []
    for station in result.stations:
        there = next((known[st.url] for st in station.streams if st.url in known), None)
        if there is not None:
            where = f"already in your stations ({there})" if there else "listed above"
            skipped.append(f"{station.name}: skipped, its stream is {where}")
        else:
            fresh.append(station)
            known.update({st.url: "" for st in station.streams})
    added = store.add_all(fresh) if fresh else []
    if as_json:
        _dump({"added": [station_to_json(s) for s in added], "skipped": skipped,
               "problems": result.problems})
        return 0
    for line in result.problems + skipped:
        _note(line)
    for station in added:
        print(f"{station.id}  {station.name}")
    if not added:
        _note(f"nothing new to import from {one_line(path, 200)}")
    return 0


def cmd_export(store: UserCatalogue, path: str) -> int:
    stations = store.load().stations
    export_stations(Path(path), stations)
    print(f"exported {len(stations)} station{'s' if len(stations) != 1 else ''} to {path}")
    return 0
