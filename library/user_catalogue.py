"""The listener's own station catalogue: add, remove (and put back), rename, reorder.

Which file: the override (`--stations FILE` / ONAIR_STATIONS) when there is one, else
`<config_dir>/stations.json`; the first change of a listener who has none starts from the
shipped catalogue (player.catalogue DEFAULT_FILE). Every change reads the file afresh (the
GUI and a CLI command may both change it), applies itself, validates the result with the
catalogue's own parser (an invalid catalogue never replaces a good file), keeps the file as
it was as `<file>.bak` (one backup: the state before the last change) and writes the whole
catalogue atomically (temp file, rename), all under the file's lock (infra.file_lock), so two
processes (the app and `onair stations ...`, or two commands) never lose each other's
change. A file that does not parse is never written over:
the change fails with BadInput naming the file and its problem, and the file stays byte for
byte. Fields the catalogue does not know are not kept.
Ids are made from the name ("KCUR 89.3" -> "kcur", then "kcur-2"): see `station_id`.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from infra.errors import BadInput
from infra.file_lock import locked
from infra.paths import Paths, atomic_write_bytes, atomic_write_text
from infra.urls import one_line
from player.catalogue import DEFAULT_FILE, USER_FILE, catalogue_to_json, parse_catalogue
from player.stations import Catalogue, ScheduleSource, Station, Stream

BACKUP_SUFFIX = ".bak"
MAX_NAME = 80  # the catalogue's limit
MAX_ID = 40
_FREQUENCY = re.compile(r"(?:\s+\d{2,4}(?:[.,]\d{1,2})?(?:\s*(?:fm|am|mhz|khz))?)+\s*$",
                        re.IGNORECASE)


def clean_name(name: str, limit: int = MAX_NAME) -> str:
    """`name` as a catalogue name: one line of printable text, whitespace collapsed, capped."""
    text = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def station_id(name: str, taken: Iterable[str] = ()) -> str:
    """An id for a station called `name`, not among `taken`: the name in lowercase ASCII with
    '-' between words, its trailing frequency dropped ("KCUR 89.3" -> "kcur", "Houston Public
    Media News 88.7" -> "houston-public-media-news"), then "-2", "-3"... when taken."""
    base = _FREQUENCY.sub("", name) or name
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[: MAX_ID - 4].strip("-")
    slug = slug or "station"
    used = set(taken)
    if slug not in used:
        return slug
    n = 2
    while f"{slug}-{n}" in used:
        n += 1
    return f"{slug}-{n}"


def local_timezone(env: Mapping[str, str] | None = None) -> str:
    """The listener's IANA time zone name (TZ, else /etc/localtime's link, else
    /etc/timezone), "UTC" when none is known: the zone of a station whose own is unknown."""
    env = os.environ if env is None else env
    candidates = [env.get("TZ", "").lstrip(":")]
    link = os.path.realpath("/etc/localtime")
    if "/zoneinfo/" in link:
        name = link.split("/zoneinfo/", 1)[1]
        candidates.append(name.removeprefix("posix/").removeprefix("right/"))
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except (OSError, UnicodeError):
        pass
    for name in candidates:
        if not name or name.startswith("/") or name == "localtime":
            continue
        try:
            ZoneInfo(name)
        except (KeyError, ValueError, OSError):
            continue
        return name
    return "UTC"


def name_from_url(url: str) -> str:
    """A name for a stream nobody named: its host and path ("kcur.streamguys1.com/kcur")."""
    parts = urlsplit(url)
    return clean_name(((parts.hostname or "") + parts.path).rstrip("/") or url)


def new_station(name: str, urls: Sequence[str], *, formats: Sequence[str | None] = (),
                homepage: str | None = None, schedule: ScheduleSource | None = None,
                news_feed: str | None = None, support: str | None = None,
                tagline: str = "", city: str = "", timezone: str | None = None,
                bitrate: int | None = None, directory_uuid: str | None = None) -> Station:
    """A station to add: a clean name (from the first URL when empty), an id made from it
    (made unique when it is added), the listener's time zone unless `timezone` is given."""
    name = clean_name(name) or name_from_url(urls[0])
    if bitrate is not None and not 0 < bitrate <= 10_000:  # the catalogue's range
        bitrate = None
    streams = tuple(Stream(url, formats[n] if n < len(formats) else None, bitrate)
                    for n, url in enumerate(urls))
    return Station(id=station_id(name), name=name, tagline=clean_name(tagline, 200),
                   city=clean_name(city), timezone=timezone or local_timezone(),
                   homepage=homepage, logo=None, streams=streams, schedule=schedule,
                   news_feed=news_feed, support=support, directory_uuid=directory_uuid)


class UserCatalogue:
    """The catalogue the listener changes. Not thread-safe: call it from one thread (the GUI
    writes on its background lane, one change at a time)."""

    def __init__(self, paths: Paths, override: str | None = None) -> None:
        self.path = Path(override) if override else paths.config_dir / USER_FILE
        self.backup = self.path.with_name(self.path.name + BACKUP_SUFFIX)
        self._override = bool(override)

    # -- reading ----------------------------------------------------------------------------
    def load(self) -> Catalogue:
        """The catalogue as the file holds it (the shipped one while the listener has none)."""
        return self._read()[0]

    def _read(self) -> tuple[Catalogue, bytes | None]:
        """The catalogue and the bytes of the file it came from (None: the shipped one)."""
        if self._override or self.path.exists():
            try:
                data = self.path.read_bytes()
            except OSError as err:
                raise BadInput(f"{self.path}: cannot read the catalogue "
                               f"({err.strerror or err})") from None
            return parse_catalogue(data, str(self.path)), data
        return parse_catalogue(DEFAULT_FILE.read_bytes(), str(DEFAULT_FILE)), None

    # -- changes ----------------------------------------------------------------------------
    def add(self, station: Station) -> Station:
        """Add `station` at the end under a new id made from its name; the station stored."""
        return self.add_all([station])[0]

    def add_all(self, stations: Iterable[Station]) -> list[Station]:
        """Add several stations in one write (one backup: the state before them all)."""
        added: list[Station] = []

        def change(current: list[Station]) -> list[Station]:
            taken = {s.id for s in current}
            for station in stations:
                new = _named(station, taken)
                taken.add(new.id)
                added.append(new)
            return current + added

        self._change(change)
        return added

    def remove(self, station_id: str) -> tuple[Station, int]:
        """Take a station out; (the station, its index) to put it back with `insert`."""
        found: list[tuple[Station, int]] = []

        def change(current: list[Station]) -> list[Station]:
            index = self._index(current, station_id)
            if len(current) == 1:
                raise BadInput(f'{self.path}: "{station_id}" is the only station; add another '
                               "before removing it")
            found.append((current[index], index))
            return current[:index] + current[index + 1:]

        self._change(change)
        return found[0]

    def insert(self, station: Station, index: int) -> None:
        """Put a station back at `index` (undo of `remove`, clamped to the list); if its id
        was taken since, it gets the next free one ("kuhf" -> "kuhf-2")."""
        def change(current: list[Station]) -> list[Station]:
            taken = {s.id for s in current}
            back = station if station.id not in taken else replace(
                station, id=station_id(station.id, taken))
            at = max(0, min(index, len(current)))
            return current[:at] + [back] + current[at:]

        self._change(change)

    def rename(self, station_id: str, name: str) -> Station:
        """Give a station a new name (its id stays: preferences and history use it)."""
        cleaned = clean_name(name)
        if not cleaned:
            raise BadInput(f'new name for "{one_line(station_id, 40)}": must not be empty')
        renamed: list[Station] = []

        def change(current: list[Station]) -> list[Station]:
            index = self._index(current, station_id)
            renamed.append(replace(current[index], name=cleaned))
            return current[:index] + renamed + current[index + 1:]

        self._change(change)
        return renamed[0]

    def move(self, station_id: str, index: int) -> None:
        """Move a station to `index` (clamped to the list) among the others."""
        def change(current: list[Station]) -> list[Station]:
            station = current.pop(self._index(current, station_id))
            at = max(0, min(index, len(current)))
            return current[:at] + [station] + current[at:]

        self._change(change)

    def update(self, station: Station) -> None:
        """Replace the station with `station`'s id by `station` (e.g. once its homepage told
        its schedule, news and support page)."""
        def change(current: list[Station]) -> list[Station]:
            index = self._index(current, station.id)
            return current[:index] + [station] + current[index + 1:]

        self._change(change)

    # -- helpers ----------------------------------------------------------------------------
    def _index(self, stations: list[Station], station_id: str) -> int:
        for index, station in enumerate(stations):
            if station.id == station_id:
                return index
        known = ", ".join(s.id for s in stations) or "none"
        raise BadInput(f'unknown station "{one_line(station_id, 40)}" (known: {known})')

    def _change(self, change: Callable[[list[Station]], list[Station]]) -> None:
        """Read, change, back up what was there, write, holding the file's lock throughout.
        Nothing is written when the file does not parse, the change fails or its result
        would not be a valid catalogue."""
        if not self._override:
            self.path.parent.mkdir(parents=True, exist_ok=True)  # the config dir
        elif not self.path.parent.is_dir():
            self._read()  # BadInput naming the file that cannot be read
        try:
            with locked(self.path):
                self._change_locked(change)
        except TimeoutError as err:
            raise BadInput(f"{self.path}: {err}; try again") from None

    def _change_locked(self, change: Callable[[list[Station]], list[Station]]) -> None:
        current, old_bytes = self._read()
        stations = change(list(current.stations))
        text = json.dumps(catalogue_to_json(replace(current, stations=tuple(stations))),
                          indent=2, ensure_ascii=False) + "\n"
        parse_catalogue(text.encode("utf-8"), str(self.path))
        if old_bytes is not None:
            atomic_write_bytes(self.backup, old_bytes)
        atomic_write_text(self.path, text)


def _named(station: Station, taken: set[str]) -> Station:
    """`station` with a clean name and an id made from it that is not `taken`."""
    name = clean_name(station.name) or station.id or "Station"
    return replace(station, name=name, id=station_id(name, taken))
