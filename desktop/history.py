"""Listening history: the programs listened to (station, program, from-to) and the stream
titles heard, as plain values, and their file in the state dir (`history.json`).

The model is immutable (`History`); the recorder (desktop.history_recorder) makes a new one
on each change and hands it to `HistoryStore.save` off the UI thread. The file is written
atomically and kept small: the newest MAX_LISTENS programs and MAX_HEARD titles, and at most
MAX_BYTES of JSON (the oldest go first). Every string in it came from a stream or a guide:
it is kept as one printable line of at most TEXT_LIMIT characters.

The file is an infra.state_file.StateFile: one that cannot be read (not JSON, not the shape
below) is never overwritten: `load()` moves it aside (`history.json.corrupt-<UTC time>`)
with one log line and gives an empty history, and a new one is started.

    {"version": 1,
     "programs": [{"station", "station_name", "program", "start", "end"}],
     "titles": [{"station", "station_name", "title", "at"}]}   (times ISO 8601, oldest first)
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from infra.errors import BadInput
from infra.state_file import StateFile
from infra.timefmt import day_and_time, short_time

FILE_NAME = "history.json"
VERSION = 1
MAX_LISTENS = 1000
MAX_HEARD = 5000
MAX_BYTES = 1 << 20
TEXT_LIMIT = 200
_log = logging.getLogger(__name__)


def one_line(text: object) -> str:
    """Remote text as one printable line of at most TEXT_LIMIT characters."""
    if not isinstance(text, str):
        return ""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:TEXT_LIMIT]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Listen:
    """A stretch of listening to one program (program "" when the guide did not know it)."""

    station: str
    station_name: str
    program: str
    start: datetime
    end: datetime

    def to_json(self) -> dict:
        return {"station": self.station, "station_name": self.station_name,
                "program": self.program, "start": _iso(self.start), "end": _iso(self.end)}


@dataclass(frozen=True)
class Heard:
    """A stream title as it was heard."""

    station: str
    station_name: str
    title: str
    at: datetime

    def to_json(self) -> dict:
        return {"station": self.station, "station_name": self.station_name,
                "title": self.title, "at": _iso(self.at)}


@dataclass(frozen=True)
class Row:
    """One line of the history as shown (GUI and `onair history`), newest first."""

    at: datetime
    station: str
    text: str


@dataclass(frozen=True)
class History:
    listens: tuple[Listen, ...] = ()
    heard: tuple[Heard, ...] = ()

    def with_listen(self, listen: Listen, *, replace_last: bool = False) -> History:
        """`listen` added, or put in place of the last one (a stretch still going on)."""
        kept = self.listens[:-1] if replace_last and self.listens else self.listens
        return replace(self, listens=(*kept, listen))

    def with_heard(self, heard: Heard) -> History:
        return replace(self, heard=(*self.heard, heard))

    def for_station(self, station_id: str | None) -> History:
        if station_id is None:
            return self
        return History(tuple(x for x in self.listens if x.station == station_id),
                       tuple(x for x in self.heard if x.station == station_id))

    def capped(self, max_listens: int = MAX_LISTENS, max_heard: int = MAX_HEARD,
               max_bytes: int = MAX_BYTES) -> History:
        """The newest entries that fit the counts and, as JSON, `max_bytes`."""
        capped = History(self.listens[-max_listens:] if max_listens else (),
                         self.heard[-max_heard:] if max_heard else ())
        while len(capped.dumps()) > max_bytes and (capped.listens or capped.heard):
            # Drop the oldest tenth of whichever list is older at its head.
            drop_listens = bool(capped.listens) and (
                not capped.heard or capped.listens[0].start <= capped.heard[0].at)
            if drop_listens:
                capped = replace(capped, listens=capped.listens[len(capped.listens) // 10 + 1:])
            else:
                capped = replace(capped, heard=capped.heard[len(capped.heard) // 10 + 1:])
        return capped

    def to_json(self) -> dict:
        return {"version": VERSION, "programs": [x.to_json() for x in self.listens],
                "titles": [x.to_json() for x in self.heard]}

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n"

    def rows(self, local: tzinfo | None = None) -> list[Row]:
        """Programs and titles in one list, newest first, as lines to read or copy."""
        rows = [Row(x.start, x.station, f"{day_and_time(x.start, local)} – "
                    f"{short_time(x.end, local)}  {x.station_name}  "
                    f"{x.program or '(program not known)'}") for x in self.listens]
        rows += [Row(x.at, x.station, f"{day_and_time(x.at, local)}  {x.station_name}  "
                 f"Title: {x.title}") for x in self.heard]
        return sorted(rows, key=lambda r: r.at, reverse=True)


def _when(value: object, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(f"{where}: not an ISO 8601 time with offset: {value!r}")
    return moment


def parse_history(raw: object, source: str = "") -> History:
    """The History in `raw` (parsed JSON); BadInput naming `source` and the bad entry."""
    try:
        if not isinstance(raw, dict) or not isinstance(raw.get("programs", []), list) or \
                not isinstance(raw.get("titles", []), list):
            raise ValueError("not a history object (programs and titles lists)")
        listens = []
        for n, x in enumerate(raw.get("programs", [])):
            where = f"programs[{n}]"
            if not isinstance(x, dict):
                raise ValueError(f"{where}: not an object")
            listens.append(Listen(one_line(x.get("station")), one_line(x.get("station_name")),
                                  one_line(x.get("program")), _when(x.get("start"), where),
                                  _when(x.get("end"), where)))
        heard = []
        for n, x in enumerate(raw.get("titles", [])):
            where = f"titles[{n}]"
            if not isinstance(x, dict):
                raise ValueError(f"{where}: not an object")
            heard.append(Heard(one_line(x.get("station")), one_line(x.get("station_name")),
                               one_line(x.get("title")), _when(x.get("at"), where)))
    except ValueError as err:
        raise BadInput(f"{source}: {err}" if source else str(err)) from None
    return History(tuple(listens), tuple(heard))


class HistoryStore:
    """`history.json` in the state dir. `save` may be called from worker threads: writes
    are serialised, and one made for an older generation never replaces a newer one."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / FILE_NAME
        self._lock = threading.Lock()
        self._written = -1  # the generation on disk
        self._file = StateFile(self.path, parse=parse_history, default=History, log=_log,
                               serialize=lambda history: history.capped().to_json(),
                               max_bytes=MAX_BYTES * 4)

    def load(self) -> History:
        """The history on disk; empty when there is none, or when it cannot be read (then
        it is moved aside, with one log line)."""
        return self._file.load()

    @property
    def blocked(self) -> str:
        """Why the file may not be written (a bad one that could not be moved), or ""."""
        return self._file.blocked

    def save(self, history: History, generation: int) -> None:
        """Write `history` (capped) atomically, unless a newer generation is written."""
        with self._lock:
            if generation <= self._written:
                return
            self._file.save(history)
            self._written = generation
