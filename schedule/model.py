"""Program guide models: plain frozen dataclasses, no toolkit, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset, to the second (None stays None)."""
    return None if moment is None else moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Program:
    """One airing: aware start and end (end exclusive), plain-text title, hosts, description.
    Parsers give start/end fixed UTC offsets (the station's at that instant) so that
    subtraction and ordering are exact on daylight-saving days."""

    title: str
    start: datetime
    end: datetime
    hosts: tuple[str, ...] = ()
    description: str = ""
    url: str | None = None
    # The same instants as POSIX seconds: "on now" compares these (a comparison of aware
    # datetimes calls utcoffset() on both; the UI asks several times a second).
    start_ts: float = field(init=False, repr=False, compare=False)
    end_ts: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "start_ts", self.start.timestamp())
        object.__setattr__(self, "end_ts", self.end.timestamp())

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()

    def to_json(self) -> dict:
        return {"title": self.title, "start": iso(self.start), "end": iso(self.end),
                "hosts": list(self.hosts), "description": self.description, "url": self.url}


@dataclass(frozen=True)
class DaySchedule:
    """A station-local day's programs as fetched; `stale` when the source failed and this is
    the last good copy (fetched at `fetched_at`, for the reason in `problem`)."""

    day: date
    programs: tuple[Program, ...]
    fetched_at: datetime
    stale: bool = False
    problem: str | None = None
