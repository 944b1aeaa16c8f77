"""Alarms: the model (wake to a station at HH:MM, or when a named program starts), the time
rules, the volume ramp, and the store in the config dir. No toolkit.

An alarm is one-shot: it holds the instant it is due (`due`, aware), worked out when it is
set: for "at HH:MM" the next time the listener's wall clock reads HH:MM (their zone, its
daylight-saving rules included), for a program its next start in the station's schedule
(today or tomorrow, station-local). Once fired it is removed. One missed by more than
`MISSED_AFTER_S` (the app was not running) is dropped, not played hours late.

The store is `alarms.json` in the config dir, an infra.state_file.StateFile (written
atomically under its lock). A file that cannot be read as alarms is never written over: it
is moved aside as `alarms.json.corrupt-<UTC time>`, and `AlarmStore.problem` names it (the
GUI shows that line); a bad entry in a good file is skipped and named in the log.
"""

from __future__ import annotations

import difflib
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from pathlib import Path

from infra.errors import BadInput
from infra.state_file import StateFile
from infra.timefmt import day_and_time, short_time
from infra.urls import one_line
from schedule.model import Program, iso

log = logging.getLogger(__name__)

FILE_NAME = "alarms.json"
RAMP_S = 60.0  # the volume rises from RAMP_LOW to the listener's over this long
RAMP_LOW = 5
MISSED_AFTER_S = 10 * 60
MAX_ALARMS = 50
_HHMM = re.compile(r"\s*(\d{1,2}):(\d{2})\s*")


@dataclass(frozen=True)
class Alarm:
    id: str
    station_id: str
    station_name: str
    due: datetime  # aware
    at: str | None = None  # "07:30" for a time alarm
    program: str | None = None  # the program's title for a program alarm
    ramp_s: float = RAMP_S

    @property
    def kind(self) -> str:
        return "program" if self.program is not None else "time"

    def words(self, local: tzinfo | None = None, now: datetime | None = None) -> str:
        """'7:00 AM · KCUR 89.3', or 'Up To Date, 10:00 AM · KCUR 89.3'; the day is named
        when it is not today."""
        today = (now or datetime.now(UTC)).astimezone(local).date()
        due = self.due.astimezone(local)
        when = short_time(due, local) if due.date() == today else day_and_time(due, local)
        what = f"{self.program}, {when}" if self.program is not None else when
        return f"{what} · {self.station_name}"

    def to_json(self) -> dict:
        return {"id": self.id, "station": self.station_id, "station_name": self.station_name,
                "due": iso(self.due), "at": self.at, "program": self.program,
                "ramp_s": self.ramp_s}


def new_alarm(station_id: str, station_name: str, due: datetime, *, at: str | None = None,
              program: str | None = None, ramp_s: float = RAMP_S) -> Alarm:
    return Alarm(secrets.token_hex(4), station_id, one_line(station_name, 80), due, at,
                 program, ramp_s)


# -- time rules -------------------------------------------------------------------------
def parse_hhmm(text: str, where: str = "--at") -> time:
    """'7:30' or '07:30' (24-hour) as a time; BadInput saying what and where otherwise."""
    m = _HHMM.fullmatch(text or "")
    if m is None or int(m[1]) > 23 or int(m[2]) > 59:
        raise BadInput(f'{where} "{one_line(str(text), 20)}": not a time like 07:30 '
                       f"(24-hour HH:MM)")
    return time(int(m[1]), int(m[2]))


def next_occurrence(at: time, now: datetime, local: tzinfo | None = None) -> datetime:
    """The next instant after `now` when the wall clock of `local` (None: the machine's zone)
    reads `at`. A time that a daylight-saving change skips is read as the instant the clock
    jumps past (zoneinfo's fold=0 offset)."""
    here = now.astimezone(local)
    for days in range(3):
        day = here.date() + timedelta(days=days)
        if local is None:
            candidate = datetime.combine(day, at).astimezone()  # the system's rules that day
        else:
            candidate = datetime.combine(day, at, tzinfo=local)
        if candidate.astimezone(UTC) > now.astimezone(UTC):
            return candidate
    raise AssertionError("no occurrence within three days")  # pragma: no cover


def find_program(programs: Iterable[Program], name: str, now: datetime) -> Program | None:
    """The next airing of the program called `name` (case and spacing aside) that starts
    after `now`."""
    wanted = " ".join(name.split()).casefold()
    later = [p for p in programs if " ".join(p.title.split()).casefold() == wanted
             and p.start_ts > now.timestamp()]
    return min(later, key=lambda p: p.start_ts) if later else None


def close_names(programs: Iterable[Program], name: str, limit: int = 5) -> list[str]:
    """Titles of `programs` that look like `name`: containing it, or close in spelling."""
    titles = list(dict.fromkeys(p.title for p in programs))
    folded = {t.casefold(): t for t in titles}
    wanted = " ".join(name.split()).casefold()
    near = [folded[t] for t in difflib.get_close_matches(wanted, list(folded), limit, 0.5)]
    inside = [t for t in titles if wanted and wanted in t.casefold()]
    return list(dict.fromkeys(inside + near))[:limit]


def no_program_message(station_name: str, name: str, programs: Iterable[Program]) -> str:
    """The one line for a program name the schedule does not have today or tomorrow."""
    close = close_names(programs, name)
    hint = f"; did you mean {', '.join(repr(t) for t in close)}?" if close else ""
    return (f'{one_line(station_name, 60)}: no program "{one_line(name, 60)}" starts today '
            f"or tomorrow{hint}")


def ramp_volume(elapsed_s: float, target: int, ramp_s: float = RAMP_S,
                low: int = RAMP_LOW) -> int:
    """The alarm's volume `elapsed_s` after its audio started: `low` up to `target` in a
    straight line over `ramp_s` (never above `target`, never below 0)."""
    low = min(low, target)
    if ramp_s <= 0 or elapsed_s >= ramp_s:
        return target
    return max(0, round(low + (target - low) * max(0.0, elapsed_s) / ramp_s))


# -- the store --------------------------------------------------------------------------
def _alarm_from_json(item: object) -> Alarm:
    if not isinstance(item, dict):
        raise ValueError("not an object")
    due = datetime.fromisoformat(str(item["due"]))
    if due.tzinfo is None:
        raise ValueError("due has no UTC offset")
    station_id, name = item["station"], item.get("station_name") or item["station"]
    at, program, ramp = item.get("at"), item.get("program"), item.get("ramp_s", RAMP_S)
    if not isinstance(station_id, str) or not station_id or not isinstance(name, str):
        raise ValueError("station is not a name")
    if (at is None) == (program is None):
        raise ValueError("needs one of at and program")
    if at is not None:
        parse_hhmm(at, "at")
    if program is not None and not isinstance(program, str):
        raise ValueError("program is not text")
    if isinstance(ramp, bool) or not isinstance(ramp, (int, float)) or not 0 <= ramp <= 3600:
        raise ValueError("ramp_s is not 0 to 3600 seconds")
    return Alarm(str(item.get("id") or secrets.token_hex(4)), station_id, one_line(name, 80),
                 due, at, one_line(program, 200) if program is not None else None, float(ramp))


class AlarmStore:
    """The alarms of `config_dir`. `load()` never raises; `save()` raises OSError when the
    folder cannot be written (the caller says so)."""

    def __init__(self, config_dir: Path) -> None:
        self.path = config_dir / FILE_NAME
        self._file = StateFile(self.path, parse=self._parse, default=list, indent=2, log=log,
                               serialize=lambda alarms: {"alarms": [
                                   a.to_json() for a in sorted(alarms, key=lambda a: a.due)]})

    @property
    def problem(self) -> str:
        """A line naming the unreadable file kept aside, once found ("" when none was)."""
        return self._file.problem

    def load(self) -> list[Alarm]:
        return self._file.load()

    def save(self, alarms: Iterable[Alarm]) -> None:
        self._file.save(list(alarms))

    def _parse(self, raw: object) -> list[Alarm]:
        if not isinstance(raw, dict) or not isinstance(raw.get("alarms"), list):
            raise ValueError('no "alarms" list')
        alarms = []
        for n, item in enumerate(raw["alarms"][:MAX_ALARMS], start=1):
            try:
                alarms.append(_alarm_from_json(item))
            except (KeyError, TypeError, ValueError, BadInput) as err:
                log.warning("%s: alarm %d skipped: %s", self.path, n, err)
        return sorted(alarms, key=lambda a: a.due)
