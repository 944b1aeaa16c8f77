"""`onair record` and `onair recordings`.

`onair record STATION --for DURATION` records from now; `--program NAME` waits for the
airing (the one on now, or the next; `--next` skips the one on now; `--every` also keeps
the rule in the config dir for the app to go on with), records it with `--padding` seconds
each side, prints the file's path (or, with --json, the recording's sidecar with its
"path") and exits 0. Exit 2: no such program on today's or tomorrow's schedule (the
closest titles named) or other bad input; 3: the stream or the guide cannot be reached;
1: the recording stopped early on a write error (a full disk), the file kept and printed.
Both commands first finish the recordings an unclean exit left in the folder (only On Air's
own: recording.recovery).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from infra.errors import BadInput, OnAirError, SourceUnavailable
from infra.timefmt import duration as clock_duration
from infra.timefmt import local_time, time_range
from infra.urls import one_line
from player.stations import Catalogue, Station
from recording import model, tags
from recording.claim import part_of
from recording.recorder import Outcome
from recording.recovery import recover
from recording.session import (
    Sources,
    find_airing,
    programs_near,
    record,
    station_zone,
    wait_for,
)
from recording.store import Scheduled, ScheduleStore, new_id

NOTHING_ON = "Recording"  # the title of a --for recording when the guide names nothing
STOPPED = 130  # the exit code of a recording stopped by Ctrl-C or SIGTERM
RECHECK_S = 600.0  # no airing the rule takes today or tomorrow: look again this often
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _say(text: str) -> None:
    print(f"onair: {text}", file=sys.stderr, flush=True)


def _finish_leftovers(*folders: Path) -> None:
    for folder in dict.fromkeys(folders):
        for path in recover(folder):
            _say(f"finished {path} (left by an unclean exit)")


def _title_on_now(sources: Sources, station: Station, at: datetime) -> tuple[str, tuple]:
    """The program on now, for a --for recording's name and tags (best effort)."""
    if station.schedule is None:
        return NOTHING_ON, ()
    try:
        programs = programs_near(sources, station, at)
    except Exception:  # noqa: BLE001 - the guide is optional for a --for recording
        return NOTHING_ON, ()
    t = at.timestamp()
    airing = [p for p in programs if p.start_ts <= t < p.end_ts]
    return (airing[-1].title, airing[-1].hosts) if airing else (NOTHING_ON, ())


@contextmanager
def _stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM stop the recording cleanly (the file finished and printed)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {s: signal.signal(s, lambda _n, _f: stop.set())
              for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def _report(outcome: Outcome | None, *, as_json: bool, stopped: bool = False,
            scheduled: Scheduled | None = None) -> int:
    if outcome is None:
        if stopped:
            return STOPPED
        raise SourceUnavailable("the stream ended before the recording began")
    if as_json:
        data = tags.read_sidecar(tags.sidecar_path(outcome.path)) or {}
        data = {**data, "path": str(outcome.path),
                "scheduled": scheduled.to_json() if scheduled else None}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(outcome.path)
    if outcome.note:
        _say(f"{outcome.path.name}: {outcome.note}")
    return 1 if outcome.disk_full else STOPPED if stopped else 0


def cmd_record(sources: Sources, catalogue: Catalogue, station_id: str, *, folder: Path,
               store: ScheduleStore, duration: str | None = None, program: str | None = None,
               next_only: bool = False, every: str | None = None, padding: float = 0.0,
               as_json: bool = False) -> int:
    if (duration is None) == (program is None):
        raise BadInput("record: give either --for DURATION or --program NAME")
    if program is None and (next_only or every or padding):
        raise BadInput("record: --next, --every and --padding go with --program")
    if next_only and every:
        raise BadInput("record: --next and --every do not go together")
    if every is not None and every not in model.EVERY:
        raise BadInput(f'--every "{one_line(every, 20)}": one of {", ".join(model.EVERY)}')
    seconds = model.parse_duration(duration) if duration is not None else 0.0
    padding = model.check_padding(padding)
    station = catalogue.get(station_id)
    station_zone(station)  # a bad zone is bad input before anything starts
    _finish_leftovers(folder)
    stop = threading.Event()
    with _stop_on_signals(stop):
        return _record(sources, station, stop, folder=folder, store=store, seconds=seconds,
                       program=program, next_only=next_only, every=every, padding=padding,
                       as_json=as_json)


def _record(sources: Sources, station: Station, stop: threading.Event, *, folder: Path,
            store: ScheduleStore, seconds: float, program: str | None, next_only: bool,
            every: str | None, padding: float, as_json: bool) -> int:
    tz = station_zone(station)
    if program is None:
        now = sources.now()
        title, hosts = _title_on_now(sources, station, now)
        start = now.astimezone(tz)
        plan = model.Plan(station.id, station.name, title, start,
                          start + timedelta(seconds=seconds), hosts)
        _say(f'recording {station.name} for {clock_duration(seconds)} into {folder}')
        return _report(record(sources, station, plan, folder, stop=stop, follow=False),
                       as_json=as_json, stopped=stop.is_set())
    rule = every or "next"
    airing = find_airing(sources, station, program, rule=rule, on_now=not next_only)
    scheduled = None
    if every is not None:
        weekday = airing.start.astimezone(tz).weekday() if airing and every == "weekly" else None
        scheduled = store.add(Scheduled(id=new_id(), station=station.id, program=program,
                                        rule=every, padding_s=padding, weekday=weekday,
                                        out=str(folder)))
        _say(f'scheduled "{program}" on {station.name} every {every}')
    while airing is None:  # e.g. every weekday, asked on a Saturday: wait for Monday's
        if stop.wait(RECHECK_S):
            return STOPPED
        try:
            airing = find_airing(sources, station, program, rule=rule, on_now=not next_only)
        except OnAirError:
            continue
    plan = model.plan_for(station.id, station.name, airing, tz, padding)
    _say(f'recording "{airing.title}" on {station.name}, '
         f"{time_range(airing.start, airing.end, tz)}, into {folder}")
    plan = wait_for(sources, station, plan, stop)
    outcome = record(sources, station, plan, folder, stop=stop) if plan else None
    if scheduled is not None and outcome is not None:
        store.update(scheduled.with_(last_start=airing.start.isoformat()))
    return _report(outcome, as_json=as_json, stopped=stop.is_set(), scheduled=scheduled)


# -- onair recordings ------------------------------------------------------------------------
def recorded_in(folder: Path) -> list[dict]:
    """The recordings in `folder` (by their sidecars), newest first; one still being
    written has "recording": true."""
    found = []
    try:
        sides = list(Path(folder).glob("*.json"))
    except OSError:
        return found
    for side in sides:
        data = tags.read_sidecar(side)
        if data is None:
            continue
        audio = side.parent / data["file"]
        if tags.sidecar_path(audio) != side:  # a name with a folder in it, or not this one's
            continue
        part = part_of(audio)
        if not audio.exists() and not part.exists():
            continue
        present = audio if audio.exists() else part
        found.append({"path": str(audio), **{k: v for k, v in data.items() if k != "version"},
                      "recording": present == part, "size_bytes": present.stat().st_size})
    return sorted(found, key=lambda r: r.get("began_at") or "", reverse=True)


def _rule_words(entry: Scheduled, catalogue: Catalogue) -> str:
    names = {s.id: s for s in catalogue.stations}
    station = names.get(entry.station)
    where = station.name if station else entry.station
    if entry.rule == "next" and entry.at_time is not None:
        when = local_time(entry.at_time, station.timezone if station else "UTC")
    elif entry.rule == "weekly" and entry.weekday is not None:
        when = f"every {WEEKDAYS[entry.weekday]}"
    else:
        when = f"every {entry.rule}" if entry.rule != "daily" else "every day"
    pad = f" (+{entry.padding_s:g} s padding)" if entry.padding_s else ""
    return f'"{entry.program}" on {where}, {when}{pad}  [{entry.id}]'


def cmd_recordings(catalogue: Catalogue, store: ScheduleStore, folder: Path, *,
                   as_json: bool = False) -> int:
    scheduled = store.load()
    folders = [folder, *(Path(e.out) for e in scheduled if e.out)]
    _finish_leftovers(*folders)
    recorded: list[dict] = []
    for each in dict.fromkeys(folders):
        recorded += recorded_in(each)
    if as_json:
        print(json.dumps({"folder": str(folder), "scheduled": [e.to_json() for e in scheduled],
                          "recorded": recorded}, ensure_ascii=False, indent=2))
        return 0
    print("Scheduled:" if scheduled else "Scheduled: none")
    for entry in scheduled:
        print(f"  {_rule_words(entry, catalogue)}")
    print(f"Recorded in {folder}:" if recorded else f"Recorded in {folder}: none")
    for item in recorded:
        state = "recording now" if item["recording"] else (
            "complete" if item.get("complete") else item.get("note") or "incomplete")
        length = clock_duration(float(item.get("duration_s") or 0))
        print(f"  {item['path']}  ({length}, {state})")
    return 0


# -- the command line ------------------------------------------------------------------------
def add_arguments(record: argparse.ArgumentParser,
                  recordings: argparse.ArgumentParser) -> None:
    """The arguments of `onair record` and `onair recordings` (cli.py's parser)."""
    record.add_argument("station")
    what = record.add_mutually_exclusive_group()
    what.add_argument("--for", dest="duration", metavar="DURATION",
                      help="record from now for this long: 90s, 45m, 1h30m")
    what.add_argument("--program", metavar="NAME", help="record this program when it airs")
    when = record.add_mutually_exclusive_group()
    when.add_argument("--next", dest="next_only", action="store_true",
                      help="the next airing, not the one on now")
    when.add_argument("--every", choices=model.EVERY,
                      help="keep recording it (the app goes on with it)")
    record.add_argument("--padding", type=float, default=0.0, metavar="S",
                        help="seconds more before and after the program")
    record.add_argument("--out", metavar="DIR", help="folder for the file")
    record.add_argument("--json", action="store_true")
    recordings.add_argument("--json", action="store_true")


def run_command(args: argparse.Namespace, catalogue: Catalogue, config_dir: Path,
                folder: Path, sources: Callable[[], Sources]) -> int:
    """Dispatch `onair record` / `onair recordings`; `folder` unless --out."""
    store = ScheduleStore(config_dir)
    if args.command == "recordings":
        return cmd_recordings(catalogue, store, folder, as_json=args.json)
    out = Path(args.out).expanduser() if args.out else folder
    return cmd_record(sources(), catalogue, args.station, folder=out, store=store,
                      duration=args.duration, program=args.program, next_only=args.next_only,
                      every=args.every, padding=args.padding, as_json=args.json)
