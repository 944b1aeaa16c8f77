"""Station catalogue models: plain frozen dataclasses, no toolkit, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from infra.errors import BadInput
from infra.urls import one_line


@dataclass(frozen=True)
class Stream:
    """One stream URL of a station (a mirror); format and bitrate are informative only."""

    url: str
    format: str | None = None
    bitrate: int | None = None


@dataclass(frozen=True)
class ScheduleSource:
    """Where a station's program guide comes from (e.g. NPR Composer and its 24-hex id).

    `ucs` None: the id is read from the station's homepage at run time.
    """

    source: str
    ucs: str | None
    base_url: str | None = None


@dataclass(frozen=True)
class Station:
    id: str
    name: str
    tagline: str
    city: str
    timezone: str  # IANA name, validated by the catalogue loader
    homepage: str | None
    logo: str | None  # path relative to the repo root, or absolute
    streams: tuple[Stream, ...]
    schedule: ScheduleSource | None
    news_feed: str | None
    support: str | None = None  # the station's donation page (http(s)), opened in a browser
    directory_uuid: str | None = None  # its Radio Browser stationuuid, when added from there


@dataclass(frozen=True)
class Catalogue:
    stations: tuple[Station, ...]
    newscast_feed: str | None

    def get(self, station_id: str) -> Station:
        """The station with this id; BadInput naming the known ids otherwise."""
        for station in self.stations:
            if station.id == station_id:
                return station
        known = ", ".join(s.id for s in self.stations) or "none"
        raise BadInput(f'unknown station "{one_line(station_id, 40)}" (known: {known})')
