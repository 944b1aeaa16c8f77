"""Scheduled recordings, kept in the config dir (`recordings.json`).

An infra.state_file.StateFile, written atomically. A file that cannot be read or is not
ours (bad JSON, a wrong field) is never overwritten: loading moves it aside as
`recordings.json.corrupt-<UTC time>` with one log line naming it and what is wrong
(`ScheduleStore.problem`), and there are no entries, so nothing the listener scheduled is
lost to a rewrite. Two processes (the app and `onair record`) may both write it; each
change re-reads the file first, holding the file's lock (infra.file_lock) from the read to
the write.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from infra.errors import BadInput
from infra.file_lock import locked
from infra.state_file import StateFile
from recording.model import MAX_PADDING_S, RULES

FILE_NAME = "recordings.json"
MAX_FILE_BYTES = 1_000_000
VERSION = 1
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scheduled:
    """One scheduled recording: a program of a station, by rule (recording.model.RULES).
    `at`: the airing's start for the rule "next"; `weekday`: Monday=0 for "weekly";
    `last_start`: the start of the airing recorded last (never recorded twice)."""

    id: str
    station: str
    program: str
    rule: str
    padding_s: float = 0.0
    at: str | None = None
    weekday: int | None = None
    out: str | None = None
    last_start: str | None = None

    def to_json(self) -> dict:
        return asdict(self)

    def with_(self, **changes: object) -> Scheduled:
        return replace(self, **changes)

    @property
    def at_time(self) -> datetime | None:
        return datetime.fromisoformat(self.at) if self.at else None

    @property
    def last_time(self) -> datetime | None:
        return datetime.fromisoformat(self.last_start) if self.last_start else None


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def _aware(value: object) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def _entry(raw: object, n: int) -> Scheduled:
    """One entry, checked field by field; ValueError("entry N: field ...") when bad."""
    if not isinstance(raw, dict):
        raise ValueError(f"entry {n}: not an object")

    def text(key: str, *, optional: bool = False, limit: int = 300) -> str | None:
        value = raw.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > limit \
                or not value.isprintable():
            raise ValueError(f'entry {n}: field "{key}" must be a short text')
        return value

    entry = Scheduled(id=text("id", limit=40), station=text("station", limit=40),
                      program=text("program"), rule=text("rule", limit=10),
                      at=text("at", optional=True, limit=40),
                      out=text("out", optional=True, limit=4000),
                      last_start=text("last_start", optional=True, limit=40),
                      padding_s=raw.get("padding_s", 0.0), weekday=raw.get("weekday"))
    if entry.rule not in RULES:
        raise ValueError(f'entry {n}: field "rule" must be one of {", ".join(RULES)}')
    pad = entry.padding_s
    if isinstance(pad, bool) or not isinstance(pad, (int, float)) or not 0 <= pad <= MAX_PADDING_S:
        raise ValueError(f'entry {n}: field "padding_s" must be 0 to {MAX_PADDING_S:g}')
    day = entry.weekday
    if day is not None and (isinstance(day, bool) or day not in range(7)):
        raise ValueError(f'entry {n}: field "weekday" must be 0 (Monday) to 6')
    for key in ("at", "last_start"):
        if getattr(entry, key) is not None and not _aware(getattr(entry, key)):
            raise ValueError(f'entry {n}: field "{key}" must be an ISO 8601 time with offset')
    if entry.rule == "next" and entry.at is None:
        raise ValueError(f'entry {n}: field "at" is needed for the rule "next"')
    return entry.with_(padding_s=float(pad))


def _entries(raw: object) -> list[Scheduled]:
    if not isinstance(raw, dict) or not isinstance(raw.get("scheduled"), list):
        raise ValueError('not a recordings file (no "scheduled" list)')
    return [_entry(item, n) for n, item in enumerate(raw["scheduled"], 1)]


class ScheduleStore:
    """The scheduled recordings file of one config dir."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / FILE_NAME
        self._file = StateFile(self.path, parse=_entries, default=list, indent=2, log=log,
                               max_bytes=MAX_FILE_BYTES, serialize=lambda entries: {
                                   "version": VERSION, "scheduled": [e.to_json() for e in entries]})

    @property
    def problem(self) -> str:
        """The line the last load logged about a bad file moved aside ("" when none)."""
        return self._file.problem

    def load(self) -> list[Scheduled]:
        """Every entry; [] when there is no file, or a bad one (moved aside, logged)."""
        return self._file.load()

    def save(self, entries: list[Scheduled]) -> None:
        self._file.save(entries)

    def add(self, entry: Scheduled) -> Scheduled:
        """Add `entry`; an entry for the same station, program and rule is replaced (a
        second "every weekday" is the same wish, not a second recording)."""
        with self._locked():
            entries = [e for e in self.load() if (e.station, e.program.casefold(), e.rule,
                                                  e.at)
                       != (entry.station, entry.program.casefold(), entry.rule, entry.at)]
            self.save([*entries, entry])
        return entry

    def update(self, entry: Scheduled) -> None:
        """Replace the entry with `entry`'s id (gone already: nothing to do)."""
        with self._locked():
            entries = self.load()
            if any(e.id == entry.id for e in entries):
                self.save([entry if e.id == entry.id else e for e in entries])

    def remove(self, entry_id: str) -> bool:
        with self._locked():
            entries = self.load()
            kept = [e for e in entries if e.id != entry_id]
            if len(kept) != len(entries):
                self.save(kept)
        return len(kept) != len(entries)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The file's lock around a change (BadInput when another process keeps it)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with locked(self.path):
                yield
        except TimeoutError as err:
            raise BadInput(f"{self.path}: {err}; try again") from None
