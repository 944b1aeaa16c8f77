"""`onair alarm STATION (--at HH:MM | --program NAME) [--ramp S] [--json]`: wait headless until
the alarm is due, then play the station like `onair play`, the volume rising from low to the
listener's volume over `--ramp` seconds (60).

`--at` is the next time the listener's clock (the machine's zone) reads HH:MM; `--program`
the next start of that program in the station's schedule, today or tomorrow (station-local).
Everything is checked before the wait: exit 2 on a bad time, an unknown station, a station
without a schedule or a program that does not start today or tomorrow (the line names close
titles); 3 when the schedule or, once due, the stream cannot be reached (`onair play`'s
rule). Ctrl-C before it fires exits 130.

The alarm lives in this process only (the GUI's alarms are in the config dir): two
programs waking for one alarm would play it twice. Playback is the play command's (cli.py
hands in `play`, player/play_command.cmd_play, and the player factory: this package sits
beside player's commands, not above them). With `--json`, each line printed is a JSON
object: {"event": "set"|"fired", ...} for the alarm, {"event": "status", "text": ...} for
the play command's status lines.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any, TextIO

from desktop.alarm import RAMP_S, Alarm, new_alarm, next_occurrence, parse_hhmm
from desktop.alarm_controller import ProgramsFor, VolumeRamp, program_alarm
from infra.errors import BadInput
from infra.timefmt import minutes, now_utc
from player.stations import Catalogue

WAIT_STEP_S = 0.5
Play = Callable[..., int]  # player/play_command.cmd_play's signature


class JsonLines:
    """A text stream turning each line written into {"event": "status", "text": line}."""

    def __init__(self, out: TextIO) -> None:
        self._out, self._pending = out, ""

    def write(self, text: str) -> int:
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._out.write(json.dumps({"event": "status", "text": line}) + "\n")
        return len(text)

    def flush(self) -> None:
        self._out.flush()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's arguments (cli.py builds the parser)."""
    parser.add_argument("station")
    when = parser.add_mutually_exclusive_group(required=True)
    when.add_argument("--at", metavar="HH:MM", help="the next time your clock reads HH:MM")
    when.add_argument("--program", metavar="NAME", help="when this program next starts")
    parser.add_argument("--ramp", type=float, default=RAMP_S, metavar="S",
                        help="seconds for the volume to rise to yours (default 60)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def plan(catalogue: Catalogue, station_id: str, *, at: str | None, program: str | None,
         programs_for: ProgramsFor, now: datetime, local: tzinfo | None = None,
         ramp_s: float = RAMP_S) -> Alarm:
    """The alarm asked for, checked (BadInput or SourceUnavailable before any wait)."""
    if (at is None) == (program is None):
        raise BadInput("alarm: give one of --at HH:MM and --program NAME")
    if not 0 <= ramp_s <= 3600:
        raise BadInput(f"--ramp {ramp_s}: not 0 to 3600 seconds")
    station = catalogue.get(station_id)
    if at is not None:
        wake = parse_hhmm(at)
        return new_alarm(station.id, station.name, next_occurrence(wake, now, local),
                         at=f"{wake:%H:%M}", ramp_s=ramp_s)
    if station.schedule is None:
        raise BadInput(f"{station.id} has no program guide in the catalogue: use --at HH:MM")
    return program_alarm(station, program or "", programs_for, now, ramp_s)


def cmd_alarm(catalogue: Catalogue, station_id: str, *, at: str | None, program: str | None,
              as_json: bool, play: Play, make_player: Callable[..., Any],
              programs_for: ProgramsFor, volume: int, ramp_s: float = RAMP_S,
              clock: Callable[[], datetime] = now_utc, local: tzinfo | None = None,
              sleep: Callable[[float], None] = time.sleep, out: TextIO | None = None) -> int:
    """Set, wait, then `play(catalogue, make_player, station_id, seconds=None, out=...)` with
    the volume ramping from low to `volume` (the listener's, from services.py's settings)."""
    out = out or sys.stdout
    alarm = plan(catalogue, station_id, at=at, program=program, programs_for=programs_for,
                 now=clock(), local=local, ramp_s=ramp_s)
    wait_s = (alarm.due - clock()).total_seconds()
    left = f"in {minutes(wait_s)}" if wait_s >= 60 else "in under a minute"
    say(out, as_json, "set", alarm, f"alarm: {alarm.words(local, clock())} ({left})")
    while (left := (alarm.due - clock()).total_seconds()) > 0:
        sleep(min(WAIT_STEP_S, left))
    say(out, as_json, "fired", alarm, f"alarm: waking to {alarm.station_name}")

    def ramped(**options: Any) -> Any:
        player = make_player(**options)
        VolumeRamp(player, volume, alarm.ramp_s).start()
        return player

    return play(catalogue, ramped, alarm.station_id, seconds=None,
                out=JsonLines(out) if as_json else out)


def say(out: TextIO, as_json: bool, event: str, alarm: Alarm, text: str) -> None:
    if as_json:
        out.write(json.dumps({"event": event, **alarm.to_json()}, ensure_ascii=False) + "\n")
    else:
        out.write(text + "\n")
    out.flush()
