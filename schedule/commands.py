"""`onair now`, `onair schedule` and `onair discover`: JSON as in DESIGN.md, or readable text
with times in the listener's zone (and the station's when it differs).

A stale copy (the source failed, the cache had one) is printed with a note on
stderr saying so and from when; the exit code is then 0.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from infra.errors import BadInput
from infra.http import HttpClient
from infra.timefmt import copy_time, local_time, minutes, short_time
from infra.urls import one_line, url_problem
from player.stations import Catalogue, Station
from schedule import guide
from schedule.composer import SOURCE, ComposerClient
from schedule.discover import WEBSITE, fetch_discovery, schedule_source
from schedule.model import Program, iso

LISTENER: tzinfo | None = None  # the system's zone rules at each instant (not today's offset)


def _client(catalogue: Catalogue, http: HttpClient, station_id: str
            ) -> tuple[Station, ZoneInfo, ComposerClient]:
    station = catalogue.get(station_id)
    source = schedule_source(http, station)
    if source is None:
        raise BadInput(f"{station.id} has no schedule source in the catalogue"
                       if station.schedule is None else
                       f"{station.id}: its website names no schedule id ({station.homepage})")
    if source.source != "composer":
        source_name = one_line(source.source, 30)
        raise BadInput(f'{station.id}: schedule source "{source_name}" is not supported '
                       f'(only "composer")')
    try:
        tz = ZoneInfo(station.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f'{station.id}: unknown time zone "{one_line(station.timezone)}"') from None
    return station, tz, ComposerClient(http, source, tz)


def _parse_at(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f'--at "{one_line(text, 40)}": not an ISO 8601 date and time '
                       f"(e.g. 2025-05-14T19:00-05:00)") from None
    return moment.astimezone() if moment.tzinfo is None else moment  # naive: listener's time


def _parse_date(text: str | None, tz: ZoneInfo) -> date:
    if text is None:
        return datetime.now(tz).date()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f'--date "{one_line(text, 40)}": not a date like 2025-05-14') from None


def _stale_note(source: str, problem: str | None, fetched_at: datetime) -> None:
    """One line on stderr: why the source failed and from when the copy shown is."""
    when = copy_time(fetched_at)
    print(f"onair: {source}: {problem}; showing the stale copy fetched at {when}",
          file=sys.stderr)


def _dump(data: dict) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _with_hosts(program: Program) -> str:
    return f"{program.title} (with {', '.join(program.hosts)})" if program.hosts else program.title


def cmd_now(catalogue: Catalogue, http: HttpClient, station_id: str, *, at: str | None,
            as_json: bool) -> int:
    station, tz, client = _client(catalogue, http, station_id)
    moment = _parse_at(at)
    day = client.around(moment)
    now, nxt = guide.on_now(day.programs, moment), guide.up_next(day.programs, moment)
    if day.stale:
        _stale_note(SOURCE, day.problem, day.fetched_at)
    if as_json:
        on_now = None
        if now is not None:
            elapsed, length = guide.progress(now, moment)
            on_now = {**now.to_json(), "elapsed_s": elapsed, "duration_s": length}
        _dump({"station": station.id, "at": iso(moment.astimezone(tz)),
               "timezone": station.timezone, "on_now": on_now,
               "up_next": nxt.to_json() if nxt else None, "stale": day.stale,
               "fetched_at": iso(day.fetched_at)})
        return 0
    mine = LISTENER
    print(f"{station.name} at {local_time(moment, tz, mine)}"
          + ("  [stale copy]" if day.stale else ""))
    if now is None:
        print("On Now: nothing scheduled")
    else:
        elapsed, length = guide.progress(now, moment)
        print(f"On Now {local_time(now.start, tz, mine)}: {_with_hosts(now)}")
        print(f"       {minutes(elapsed)} of {minutes(length)}, until "
              f"{short_time(now.end, mine)}")
    if nxt is None:
        print("Up Next: nothing more scheduled")
    else:
        print(f"Up Next {local_time(nxt.start, tz, mine)}: {_with_hosts(nxt)}")
    return 0


def cmd_schedule(catalogue: Catalogue, http: HttpClient, station_id: str, *,
                 date: str | None, as_json: bool) -> int:
    station, tz, client = _client(catalogue, http, station_id)
    wanted = _parse_date(date, tz)
    day = client.day(wanted)
    if day.stale:
        _stale_note(SOURCE, day.problem, day.fetched_at)
    if as_json:
        _dump({"station": station.id, "date": wanted.isoformat(), "timezone": station.timezone,
               "programs": [p.to_json() for p in day.programs], "stale": day.stale,
               "fetched_at": iso(day.fetched_at)})
        return 0
    mine = LISTENER
    noon = datetime.combine(wanted, datetime.min.time(), tz) + timedelta(hours=12)
    print(f"{station.name}, {wanted:%A} {wanted:%B} {wanted.day}, {wanted.year} "
          f"(times in {noon.astimezone(mine).tzname()})" + ("  [stale copy]" if day.stale else ""))
    if not day.programs:
        print("  nothing scheduled")
    previous_end = None
    for program in day.programs:
        if previous_end is not None and program.start > previous_end:
            print(f"  {local_time(previous_end, tz, mine):>20}  (nothing scheduled)")
        print(f"  {local_time(program.start, tz, mine):>20}  {_with_hosts(program)}")
        previous_end = max(previous_end or program.end, program.end)
    return 0


def cmd_discover(http: HttpClient, url: str, *, as_json: bool) -> int:
    problem = url_problem(url)
    if problem is not None:
        raise BadInput(f'homepage URL "{one_line(str(url))}": {problem}')
    found, fetched = fetch_discovery(http, url)
    if fetched.stale:
        _stale_note(WEBSITE, fetched.problem, fetched.fetched_at)
    if as_json:
        _dump(found.to_json())
        return 0
    print(found.name or "(no name on the page)")
    print(f"Homepage: {found.homepage}")
    print(f"Schedule id (NPR Composer): {found.ucs or 'not found'}")
    for label, urls in (("Streams", found.streams), ("Feeds", found.feeds)):
        print(f"{label}:" if urls else f"{label}: none found")
        for item in urls:
            print(f"  {item}")
    return 0
