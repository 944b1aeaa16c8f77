"""LibraryController: the listener's stations and the directory search, for the views.

- `stations` (a ListProperty the app, the station list and the guide's roster follow) is
  what the user catalogue holds plus the edits still being written. Edits (`add_result`,
  `remove` and `undo`, `rename`, `move`) show at once and are written by
  library.user_catalogue.UserCatalogue on the task runner's background lane (queued ahead
  of refreshes), one at a time and in order. A write that fails (a corrupt user file, a
  full disk) drops the edits not yet written, shows what the file holds and says why in
  `notice`. `shutdown()` writes what is still queued before the app ends.
  A station added from the directory then gets the schedule, news and donation page its
  homepage tells (`enrich`, library.add.enrich_from_homepage, on the background lane).
- `search(text)` asks the directory (library.directory.Directory) 0.3 s after the last
  keystroke, on the interactive lane; a newer query drops the older one. `results` holds
  its DirectoryStation records; `status` and `message` say where it is in words.
- `played(station)`: the first time ever a directory station plays, its click is counted
  (`Directory.count_click` on the background lane); the counted uuids are kept in the state
  dir (`directory_clicks.json`), so it is once per station, across restarts.
- `open_support(station)`: the station's donation page in the desktop's browser
  (webbrowser), http(s) only, off the UI thread. Workers only run the blocking calls.
"""

from __future__ import annotations

import logging
import threading
import webbrowser
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial, reduce
from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ListProperty, OptionProperty, StringProperty

from infra.errors import OnAirError
from infra.tasks import Task, TaskRunner
from infra.urls import is_stream_url, one_line
from library.add import station_from_directory
from library.clicks import ClickLog, directory_uuid
from library.favicons import Favicons
from library.model import DirectoryStation
from library.user_catalogue import clean_name, station_id
from player.stations import Station

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.3
NOTICE_S = 8.0
OPEN_URL_S = 5.0
SEARCH_LIMIT = 50
STATUSES = ("idle", "searching", "done", "unavailable")
Stations = tuple[Station, ...]


def _why(err: BaseException) -> str:
    return str(err) if isinstance(err, OnAirError) else "internal error"


@dataclass
class _Edit:
    """One edit: `apply` shows it on a list of stations; `write` stores it (blocking);
    `settle(result, stations)` is the list once `write` returned `result`."""

    apply: Callable[[Stations], Stations]
    write: Callable[[], Any]
    failed: str  # "Could not remove KCUR 89.3"
    settle: Callable[[Any, Stations], Stations] | None = None
    written: bool = False


class LibraryController(EventDispatcher):
    stations = ListProperty([])
    results = ListProperty([])
    query = StringProperty("")
    status = OptionProperty("idle", options=STATUSES)
    message = StringProperty("")  # the search, in words
    notice = StringProperty("")  # the last edit, in words ("Removed KCUR 89.3")
    can_undo = BooleanProperty(False)
    saving = BooleanProperty(False)

    def __init__(self, store, directory, *, tasks: TaskRunner, state_dir: Path,
                 stations: Iterable[Station] = (), debounce_s: float = DEBOUNCE_S,
                 notice_s: float = NOTICE_S, limit: int = SEARCH_LIMIT,
                 enrich: Callable[[Station], Station] | None = None,
                 open_url: Callable[[str], object] = webbrowser.open,
                 favicons: Favicons | None = None, **kwargs) -> None:
        """`store`: a UserCatalogue; `directory`: a Directory; `stations`: what the store
        holds now (services.py loaded it already); `enrich`: blocking, a station with what its
        homepage tells; `favicons`: the results' icons, an added station's logo (none without)."""
        super().__init__(**kwargs)
        self._store = store
        self._directory = directory
        self._tasks = tasks
        self._limit = limit
        self._open_url = open_url
        self._enrich = enrich
        self._confirmed: Stations = tuple(stations)
        self._edits: deque[_Edit] = deque()
        self._writing: Task | None = None
        self._write_lock = threading.Lock()
        self._undo: list[tuple[Station, int]] = []
        self._search_task: Task | None = None
        self._clicks = ClickLog(state_dir, directory)
        self.favicons = favicons or Favicons(None, None, tasks)
        self.bind(results=lambda _ctl, found: self.favicons.fetch(found))  # drops older ones
        self._closed = False
        self._debounce = Clock.create_trigger(self._start_search, debounce_s)
        self._notice_timer = Clock.create_trigger(self._clear_notice, notice_s)
        self.stations = list(self._confirmed)

    # -- search -----------------------------------------------------------------------------
    def search(self, text: str) -> None:
        """Search the directory for `text` once the listener stops typing (debounced)."""
        self.query = text
        self._debounce.cancel()
        self._debounce()

    def search_now(self) -> None:
        """Search for the current query at once (Enter in an empty result list)."""
        self._debounce.cancel()
        self._start_search(0)

    def _start_search(self, _dt: float) -> None:
        if self._search_task is not None:
            self._search_task.cancel()
            self._search_task = None
        text = self.query.strip()
        if not text or self._closed:
            self.results, self.status, self.message = [], "idle", ""
            return
        self.status = "searching"
        self.message = f'Searching for "{one_line(text, 60)}"…'
        self._search_task = self._tasks.interactive(
            lambda: self._directory.search(text, limit=self._limit),
            lambda found: self._found(text, found), lambda err: self._search_failed(err))

    def _found(self, text: str, found: list[DirectoryStation]) -> None:
        self._search_task = None
        self.results = list(found)
        self.status = "done"
        shown = one_line(text, 60)
        count = len(found)
        self.message = (f'No station matches "{shown}"' if not count else
                        f'1 station matches "{shown}"' if count == 1 else
                        f'{count} stations match "{shown}"')

    def _search_failed(self, err: BaseException) -> None:
        self._search_task = None
        if not isinstance(err, OnAirError):
            log.error("directory search failed", exc_info=err)
        self.results = []
        self.status = "unavailable"
        self.message = _why(err)

    def is_added(self, record: DirectoryStation) -> bool:
        """Whether a station of the list came from this record (its uuid or its stream)."""
        return any(directory_uuid(s) == record.id or any(st.url == record.url for st in s.streams)
                   for s in self.stations)

    # -- edits ------------------------------------------------------------------------------
    def add_result(self, record: DirectoryStation) -> Station | None:
        """Add a directory record to the end of the list (once); the station shown."""
        if self.is_added(record):
            self._say(f"{record.name} is already in On Air Stations")
            return None
        try:
            station = station_from_directory(record)
            name = clean_name(station.name) or "Station"  # as the store names it
            station = replace(station, name=name, logo=self.favicons.keep(record.id),
                              id=station_id(name, {s.id for s in self.stations}))
        except OnAirError as err:
            self._say(f"Could not add {one_line(record.name, 60)}: {err}")
            return None

        def added(saved: Station, st: Stations) -> Stations:
            self._enrich_soon(saved)
            return (*st, saved)

        self._edit(_Edit(apply=lambda st: (*st, station),
                         write=lambda: self._store.add(station), settle=added,
                         failed=f"Could not add {station.name}"))
        self._say(f"Added {station.name}")
        return station

    def _enrich_soon(self, station: Station) -> None:
        if self._enrich is not None and not self._closed:
            self._tasks.background(lambda: self._enrich(station), self._enriched,
                                   lambda err: log.info("%s: %s", station.name, _why(err)))

    def _enriched(self, found: Station) -> None:
        """Its homepage told more: the schedule, news and support join the station as it is
        now (renamed or moved since, perhaps)."""
        index = self._index(found.id)
        if index is None or self._closed:
            return
        now = self.stations[index]
        new = replace(now, schedule=now.schedule or found.schedule,
                      news_feed=now.news_feed or found.news_feed,
                      support=now.support or found.support)
        if new != now:
            self._edit(_Edit(apply=lambda st: tuple(new if s.id == new.id else s for s in st),
                             write=lambda: self._store.update(new),
                             failed=f"Could not save what {now.name}'s website tells"))

    def remove(self, station_id: str) -> None:
        """Take a station off the list; `undo()` puts it back where it was."""
        index = self._index(station_id)
        if index is None:
            return
        station = self.stations[index]
        if len(self.stations) == 1:
            self._say(f"{station.name} is the only station: add another before removing it")
            return
        self._undo.append((station, index))
        self._edit(_Edit(apply=lambda st: tuple(s for s in st if s.id != station_id),
                         write=lambda: self._store.remove(station_id),
                         failed=f"Could not remove {station.name}"))
        self._say(f"Removed {station.name}", undo=True)

    def undo(self) -> None:
        """Put back the station removed last."""
        if not self._undo:
            return
        station, index = self._undo.pop()
        self._edit(_Edit(apply=lambda st: (*st[:index], station, *st[index:]),
                         write=lambda: self._store.insert(station, index),
                         failed=f"Could not put back {station.name}"))
        self._say(f"Put back {station.name}", undo=bool(self._undo))

    def rename(self, station_id: str, name: str) -> None:
        name = clean_name(name)
        index = self._index(station_id)
        if index is None or not name or name == self.stations[index].name:
            return
        old = self.stations[index]

        def swap(st: Stations, new: Station) -> Stations:
            return tuple(new if s.id == station_id else s for s in st)

        self._edit(_Edit(apply=lambda st: swap(st, replace(old, name=name)),
                         write=lambda: self._store.rename(station_id, name),
                         settle=lambda saved, st: swap(st, saved),
                         failed=f"Could not rename {old.name}"))
        self._say(f"Renamed {old.name} to {name}")

    def move(self, station_id: str, delta: int) -> None:
        """Move a station `delta` places up (negative) or down the list."""
        index = self._index(station_id)
        if index is None:
            return
        target = max(0, min(len(self.stations) - 1, index + delta))
        if target == index:
            return

        def moved(st: Stations) -> Stations:
            rest = [s for s in st if s.id != station_id]
            mine = [s for s in st if s.id == station_id]
            return (*rest[:target], *mine, *rest[target:])

        self._edit(_Edit(apply=moved, write=lambda: self._store.move(station_id, target),
                         failed=f"Could not move {self.stations[index].name}"))

    def _index(self, station_id: str) -> int | None:
        return next((i for i, s in enumerate(self.stations) if s.id == station_id), None)

    def _edit(self, edit: _Edit) -> None:
        self._edits.append(edit)
        self._show()
        if self._writing is None:
            self._write_next()

    def _show(self) -> None:
        shown = reduce(lambda st, edit: edit.apply(st), self._edits, self._confirmed)
        if list(shown) != self.stations:
            self.stations = list(shown)

    def _write_next(self) -> None:
        self._writing = None
        if not self._edits or self._closed:
            self.saving = False
            return
        edit = self._edits[0]
        self.saving = True
        self._writing = self._tasks.background(
            lambda: self._write(edit), lambda result: self._written(edit, result),
            lambda err: self._write_failed(edit, err), first=True)

    def _write(self, edit: _Edit) -> Any:
        """On a worker (or in shutdown): one edit, never two at once."""
        with self._write_lock:
            if edit.written:
                return None
            result = edit.write()
            edit.written = True
            return result

    def _written(self, edit: _Edit, result: Any) -> None:
        self._edits.popleft()
        settle = edit.settle or (lambda _result, st: edit.apply(st))
        self._confirmed = settle(result, self._confirmed)
        self._show()
        self._write_next()

    def _write_failed(self, edit: _Edit, err: BaseException) -> None:
        if not isinstance(err, OnAirError):
            log.error("%s", edit.failed, exc_info=err)
        self._edits.clear()
        self._undo.clear()  # what it would put back may not have been taken away
        self._writing, self.saving = None, False
        self._show()
        self._say(f"{edit.failed}: {_why(err)}")

    def _say(self, text: str, *, undo: bool = False) -> None:
        self.notice, self.can_undo = text, undo
        self._notice_timer.cancel()
        self._notice_timer()

    def _clear_notice(self, _dt: float) -> None:
        self.notice, self.can_undo = "", False

    # -- playing ------------------------------------------------------------------------------
    def played(self, station: Station) -> None:
        """A station started playing: count a directory station's click, once ever."""
        uuid = None if self._closed else self._clicks.due(station)
        if uuid is not None:
            self._tasks.background(partial(self._clicks.count, uuid), lambda _none: None,
                                   lambda err: log.warning("click count: %s", err))

    def open_support(self, station: Station | None) -> bool:
        """Open the station's donation page in the browser (http(s) only); False if none."""
        url = support_url(station)
        if url is None:
            return False
        task = self._tasks.interactive(lambda: self._open_url(url), lambda _ok: None,
                                       lambda err: self._say(f"Could not open {url}: {_why(err)}"))
        # A browser command may run until the browser quits: it gives its lane's slot back.
        Clock.schedule_once(lambda _dt: task.cancel(), OPEN_URL_S)
        return True

    # -- end ----------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop searching; write the edits still queued (the app is quitting)."""
        self._closed = True
        self._debounce.cancel()
        self._notice_timer.cancel()
        if self._search_task is not None:
            self._search_task.cancel()
        if self._writing is not None:
            self._writing.cancel()
        for edit in list(self._edits):
            try:
                self._write(edit)  # waits for one a worker is writing
            except Exception as err:  # noqa: BLE001 - logged: the app is quitting
                log.warning("%s: %s", edit.failed, _why(err))
                break
        self._edits.clear()


def support_url(station: Station | None) -> str | None:
    """The station's donation page when it is an http(s) URL, else None."""
    url = station.support if station is not None else None
    return url if is_stream_url(url) else None
