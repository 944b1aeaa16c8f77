"""Alarms: the time rules, the ramp and the store (pure, on a hand-moved clock), the
controller firing into a real PlayerController (fake backend), and for real:
`onair alarm STATION --at HH:MM` one minute ahead, run as a subprocess, starts the station
(its tone heard on a real PulseAudio null sink) with the volume heard rising; bad input
exits 2 with one line; an unreachable stream or schedule is 3.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desktop.alarm import (
    RAMP_LOW,
    AlarmStore,
    close_names,
    find_program,
    new_alarm,
    next_occurrence,
    no_program_message,
    parse_hhmm,
    ramp_volume,
)
from desktop.alarm_command import cmd_alarm, plan
from desktop.alarm_controller import AlarmController, VolumeRamp
from infra.errors import BadInput, SourceUnavailable
from player.controller import PlayerController
from player.fake_backend import FakeBackend
from player.recovery import RetryPolicy
from player.stations import Catalogue
from schedule.model import Program
from tests.player.conftest import pump
from tests.support.clock import ManualClock
from tests.support.tasks import task_runner
from tests.support.wait import wait_until

CHICAGO = ZoneInfo("America/Chicago")
REPO = Path(__file__).resolve().parents[2]


def station(sid: str = "kcur", name: str = "KCUR 89.3", url: str | None = None):
    from dataclasses import replace

    from player.stations import Stream
    from tests.ui.conftest import make_station

    s = make_station(sid, name)
    return replace(s, streams=(Stream(url),)) if url else s


def programs_on(day: date) -> list[Program]:
    at = datetime.combine(day, dtime(0), CHICAGO)
    titles = ["BBC World Service", "Morning Edition", "Up To Date", "Fresh Air"]
    return [Program(t, at + timedelta(hours=6 * i), at + timedelta(hours=6 * (i + 1)))
            for i, t in enumerate(titles)]


# -- time rules ---------------------------------------------------------------------------
def test_parse_hhmm_takes_24_hour_times_and_names_a_bad_one() -> None:
    assert parse_hhmm("7:05") == dtime(7, 5) and parse_hhmm(" 23:59 ") == dtime(23, 59)
    for bad in ("24:00", "7:5", "7.30", "", "07:60", "seven"):
        with pytest.raises(BadInput, match=r'--at ".*": not a time like 07:30'):
            parse_hhmm(bad)


def test_next_occurrence_is_the_next_time_the_listeners_clock_reads_it() -> None:
    now = datetime(2026, 11, 28, 6, 59, 30, tzinfo=CHICAGO)
    assert next_occurrence(dtime(7, 0), now, CHICAGO) == datetime(2026, 11, 28, 7, 0,
                                                                  tzinfo=CHICAGO)
    assert next_occurrence(dtime(6, 59), now, CHICAGO).date() == date(2026, 11, 29)
    # The listener's zone, not UTC: 07:00 in Chicago is 13:00 UTC.
    assert next_occurrence(dtime(7, 0), now.astimezone(UTC), CHICAGO).astimezone(UTC).hour == 13


def test_next_occurrence_across_daylight_saving_changes() -> None:
    # 2026-03-08 02:30 does not exist in Chicago: the clock jumps 02:00 -> 03:00.
    spring = next_occurrence(dtime(2, 30), datetime(2026, 3, 8, 1, 0, tzinfo=CHICAGO), CHICAGO)
    assert spring.astimezone(UTC) == datetime(2026, 3, 8, 8, 30, tzinfo=UTC)
    # 2026-11-01 01:30 happens twice: the first one.
    autumn = next_occurrence(dtime(1, 30), datetime(2026, 11, 1, 0, 0, tzinfo=CHICAGO), CHICAGO)
    assert autumn.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    # The day after a 23-hour day: still 07:00 on the wall clock.
    after = next_occurrence(dtime(7, 0), datetime(2026, 3, 8, 8, 0, tzinfo=CHICAGO), CHICAGO)
    assert after.astimezone(CHICAGO).hour == 7 and after.day == 9


def test_find_program_is_the_next_start_and_close_names_help_a_typo() -> None:
    today, now = date(2026, 11, 28), datetime(2026, 11, 28, 13, 0, tzinfo=CHICAGO)
    programs = programs_on(today) + programs_on(today + timedelta(days=1))
    found = find_program(programs, "  up to  DATE ", now)
    assert found is not None and found.start == datetime(2026, 11, 29, 12, 0, tzinfo=CHICAGO)
    assert find_program(programs, "Fresh Air", now).start.day == 28  # later today
    assert find_program(programs, "Fresh Aire Live", now) is None
    assert close_names(programs, "fresh aire") == ["Fresh Air"]
    assert close_names(programs, "edition") == ["Morning Edition"]
    line = no_program_message("KCUR 89.3", "Up to dat", programs)
    assert line == ("KCUR 89.3: no program \"Up to dat\" starts today or tomorrow; "
                    "did you mean 'Up To Date'?")


def test_the_ramp_rises_in_a_line_from_low_to_the_listeners_volume() -> None:
    levels = [ramp_volume(t, 80, 60) for t in (0, 15, 30, 45, 60, 90)]
    assert levels == [RAMP_LOW, 24, 42, 61, 80, 80]
    assert ramp_volume(5, 3, 60) == 3, "never above the listener's volume"
    assert ramp_volume(0, 70, 0) == 70, "no ramp: at once"


# -- the store ----------------------------------------------------------------------------
def test_alarms_are_kept_across_a_restart_written_atomically(tmp_path: Path) -> None:
    due = datetime(2026, 11, 29, 7, 0, tzinfo=CHICAGO)
    alarm = new_alarm("kcur", "KCUR 89.3", due, at="07:00")
    AlarmStore(tmp_path).save([alarm])
    assert [p.name for p in tmp_path.iterdir()] == ["alarms.json"], "no temp file left"
    again = AlarmStore(tmp_path).load()
    assert again == [alarm] and again[0].due == due


def test_a_corrupt_file_is_kept_aside_and_named_and_a_bad_entry_skipped(tmp_path: Path,
                                                                        caplog) -> None:
    (tmp_path / "alarms.json").write_text('{"alarms": [ {"station": "kcur", ')
    store = AlarmStore(tmp_path)
    assert store.load() == []
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("alarms.json.corrupt-")]
    assert len(kept) == 1 and kept[0].read_text() == '{"alarms": [ {"station": "kcur", '
    assert kept[0].name in store.problem and "not valid JSON" in store.problem
    good = new_alarm("kcur", "KCUR", datetime(2026, 11, 29, 7, 0, tzinfo=UTC), at="07:00")
    (tmp_path / "alarms.json").write_text(json.dumps({"alarms": [
        {"station": "kcur", "due": "2026-11-29T07:00:00", "at": "07:00"},  # no offset
        {"station": "kcur", "due": "2026-11-29T07:00:00+00:00", "at": "25:00"},
        good.to_json()]}))
    assert AlarmStore(tmp_path).load() == [good]
    assert "alarm 1 skipped" in caplog.text and "alarm 2 skipped" in caplog.text


# -- the controller, on a hand-moved clock --------------------------------------------------
class RampClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def player() -> Iterator[PlayerController]:
    ctl = PlayerController(FakeBackend(), policy=RetryPolicy(max_tries=2, base_s=0.3),
                           describe=lambda _url: "refused", tasks=task_runner())
    ctl.set_volume(70)
    yield ctl
    ctl.shutdown()


def controller(tmp_path, player, clock, ramp_clock=None, programs_for=None):
    stations = [station("kcur"), station("wkar", "WKAR 90.5")]
    return AlarmController(AlarmStore(tmp_path), player, lambda: stations, tasks=task_runner(),
                           programs_for=programs_for or (lambda s, d: programs_on(d)),
                           clock=clock, local=CHICAGO, ramp_clock=ramp_clock or RampClock())


def test_an_alarm_set_is_saved_shown_and_fires_with_the_volume_rising(tmp_path, player) -> None:
    clock, ramp_clock = ManualClock(datetime(2026, 11, 28, 6, 58, tzinfo=CHICAGO)), RampClock()
    alarms = controller(tmp_path, player, clock, ramp_clock)
    alarms.add_time(station("wkar", "WKAR 90.5"), "7:00")
    assert alarms.next_text == "Alarm 7:00 AM · WKAR 90.5"
    alarms.shutdown()
    alarms = controller(tmp_path, player, clock, ramp_clock)  # the app restarted
    assert [a.at for a in alarms.alarms] == ["07:00"]
    clock.now += timedelta(minutes=1, seconds=59)
    alarms.tick()
    assert player.state == "stopped", "not before it is due"
    clock.now += timedelta(seconds=1)
    alarms.tick()
    assert player.station.id == "wkar" and player.state == "connecting"
    assert player.volume == RAMP_LOW and alarms.listener_volume() == 70
    assert alarms.alarms == [] and AlarmStore(tmp_path).load() == [], "one-shot: gone"
    pump(lambda: player.state == "playing", 5, "the station playing")
    heard = []
    for _ in range(7):
        alarms._ramp.tick()
        heard.append(int(player.volume))
        ramp_clock.t += 10
    assert heard == [5, 16, 27, 38, 48, 59, 70]
    assert alarms.listener_volume() is None, "the ramp is over"
    alarms.shutdown()


def test_a_volume_change_by_the_listener_ends_the_ramp(player) -> None:
    ramp_clock = RampClock()
    ramp = VolumeRamp(player, 70, 60, clock=ramp_clock)
    player.play(station())
    ramp.start()
    pump(lambda: player.state == "playing", 5, "playing")
    ramp.tick()
    ramp_clock.t += 30
    ramp.tick()
    assert player.volume == 38 and ramp.running
    player.set_volume(20)
    assert not ramp.running and player.volume == 20
    ramp_clock.t += 30
    ramp.tick()
    assert player.volume == 20


def test_an_alarm_missed_while_the_app_was_closed_is_dropped_not_played(tmp_path,
                                                                      player) -> None:
    clock = ManualClock(datetime(2026, 11, 28, 6, 0, tzinfo=CHICAGO))
    alarms = controller(tmp_path, player, clock)
    alarms.add_time(station(), "06:30")
    clock.now += timedelta(hours=2)
    alarms.tick()
    assert player.state == "stopped" and alarms.alarms == []
    assert alarms.message.startswith("Missed alarm: 6:30 AM")
    alarms.shutdown()


def test_a_program_alarm_is_looked_up_off_the_ui_thread(tmp_path, player) -> None:
    clock = ManualClock(datetime(2026, 11, 28, 13, 0, tzinfo=CHICAGO))
    alarms = controller(tmp_path, player, clock)
    alarms.add_program(station(), "up to date")
    pump(lambda: alarms.alarms, 5, "the program found")
    assert alarms.alarms[0].due == datetime(2026, 11, 29, 12, 0, tzinfo=CHICAGO)
    assert alarms.alarms[0].program == "Up To Date"
    alarms.add_program(station(), "Up to dat")
    pump(lambda: not alarms.busy, 5, "the lookup answered")
    assert "did you mean 'Up To Date'" in alarms.message and len(alarms.alarms) == 1
    alarms.shutdown()


# -- the command ------------------------------------------------------------------------------
def test_plan_checks_everything_before_the_wait() -> None:
    catalogue = Catalogue((station(),), None)
    now = datetime(2026, 11, 28, 13, 0, tzinfo=CHICAGO)
    alarm = plan(catalogue, "kcur", at="7:30", program=None, programs_for=lambda s, d: [],
                 now=now, local=CHICAGO)
    assert alarm.due == datetime(2026, 11, 29, 7, 30, tzinfo=CHICAGO)
    with pytest.raises(BadInput, match="unknown station"):
        plan(catalogue, "nope", at="7:30", program=None, programs_for=lambda s, d: [], now=now)
    with pytest.raises(BadInput, match="no program guide"):
        plan(catalogue, "kcur", at=None, program="1A", programs_for=lambda s, d: [], now=now)


def test_an_unreachable_stream_once_due_is_exit_3(tmp_path) -> None:
    """In process with the real play command and libvlc; the wait runs on a moved clock."""
    from player.play_command import cmd_play
    from services import Services

    dead = station("dead", "Dead FM", "http://127.0.0.1:9/nothing.mp3")
    clock = ManualClock(datetime.now(UTC))

    def sleep(seconds: float) -> None:
        clock.now += timedelta(seconds=seconds)

    from infra.paths import Paths

    svc = Services(paths=Paths(tmp_path, tmp_path, tmp_path), env={})
    try:
        with pytest.raises(SourceUnavailable) as err:
            cmd_alarm(Catalogue((dead,), None), "dead", at="07:00", program=None,
                      as_json=False, play=cmd_play, make_player=svc.player,
                      programs_for=lambda s, d: [], volume=50, clock=clock, sleep=sleep,
                      out=io.StringIO())
    finally:
        svc.close()
    assert err.value.exit_code == 3 and "Dead FM" in str(err.value)


# -- for real: the command as a subprocess ------------------------------------------------------
def run_onair(args: list[str], env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "main.py"), *args], env=env,
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)


@pytest.fixture
def cli_env(tmp_path) -> dict:
    env = dict(os.environ, ONAIR_CONFIG_DIR=str(tmp_path / "config"),
               ONAIR_CACHE_DIR=str(tmp_path / "cache"), TZ="America/Chicago")
    env.pop("ONAIR_AUDIO_FILE", None)
    return env


def write_catalogue(path: Path, stream_url: str, schedule_base: str | None = None) -> Path:
    schedule = {"source": "composer", "ucs": "5187f425e1c860c702f81c99",
                "base_url": schedule_base} if schedule_base else None
    path.write_text(json.dumps({"stations": [{
        "id": "kdmo", "name": "KDMO 90.1", "tagline": "", "city": "",
        "timezone": "America/Chicago", "homepage": None, "schedule": schedule,
        "streams": [{"url": stream_url, "format": "mp3"}]}]}))
    return path


def test_bad_input_exits_2_with_one_line(tmp_path, cli_env, httpserver) -> None:
    from tests.support.metadata_server import demo_days, serve_composer

    base = serve_composer(httpserver, demo_days(datetime.now(CHICAGO).date()))
    stations = write_catalogue(tmp_path / "stations.json", "http://127.0.0.1:9/x.mp3", base)
    cases = {("kdmo", "--at", "25:61"): '--at "25:61": not a time like 07:30 (24-hour HH:MM)',
             ("nope", "--at", "07:00"): 'unknown station "nope" (known: kdmo)',
             ("kdmo", "--program", "Up to dat"):
                 "KDMO 90.1: no program \"Up to dat\" starts today or tomorrow; "
                 "did you mean 'Up To Date'?"}
    for args, line in cases.items():
        done = run_onair(["--stations", str(stations), "alarm", *args], cli_env)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.strip() == f"onair: {line}", args
        assert "Traceback" not in done.stderr and done.stdout == ""
    done = run_onair(["--stations", str(stations), "alarm", "kdmo"], cli_env)
    assert done.returncode == 2 and "one of the arguments --at --program is required" in \
        done.stderr


def test_an_unreachable_schedule_is_exit_3(tmp_path, cli_env) -> None:
    stations = write_catalogue(tmp_path / "stations.json", "http://127.0.0.1:9/x.mp3",
                               "http://127.0.0.1:9/v1")
    done = run_onair(["--stations", str(stations), "alarm", "kdmo", "--program", "1A"],
                     cli_env)
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("onair: ") and len(done.stderr.strip().splitlines()) == 1


@pytest.mark.icecast
@pytest.mark.timeout(200)
def test_alarm_one_minute_ahead_starts_the_station_and_its_volume_rises(
        tmp_path, cli_env, icecast) -> None:
    from tests.support.pulse import PulseServer

    stations = write_catalogue(tmp_path / "stations.json", icecast.url("/a.mp3"))
    wake = (datetime.now(CHICAGO) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    with PulseServer() as pulse, pulse.monitor(tmp_path / "monitor.wav") as mon:
        env = dict(cli_env, **pulse.env)
        out = tmp_path / "out.jsonl"
        with open(out, "w") as fh:
            proc = subprocess.Popen(
                [sys.executable, str(REPO / "main.py"), "--stations", str(stations), "alarm",
                 "kdmo", "--at", f"{wake:%H:%M}", "--ramp", "20", "--json"],
                env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=REPO)
        try:
            wait_until(lambda: out.read_text().strip(), 20, "the alarm set line")
            first = json.loads(out.read_text().splitlines()[0])
            assert first["event"] == "set" and first["station"] == "kdmo"
            assert datetime.fromisoformat(first["due"]) == wake
            budget = (wake - datetime.now(CHICAGO)).total_seconds() + 20
            assert pulse.sink_inputs() == [], "nothing plays before the alarm"
            wait_until(lambda: heard(mon), budget, "the station's tone on the null sink",
                       interval=0.1)
            woke = datetime.now(CHICAGO)
            assert woke >= wake, "not before the time set"
            events = [json.loads(line) for line in out.read_text().splitlines()]
            assert [e["event"] for e in events][:2] == ["set", "fired"]
            quiet = mon.record(2.0)[1]
            middle = mon.record(3.0)[1]
            wait_until(lambda: (datetime.now(CHICAGO) - woke).total_seconds() > 21, 30,
                       "the end of the ramp", interval=0.1)
            loud = mon.record(2.0)[1]
            assert quiet < middle < loud, f"the volume rises: {quiet} {middle} {loud}"
            assert loud > 10 * quiet
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
    assert proc.returncode == 0, out.read_text()
    assert any(json.loads(line).get("text", "").endswith("playing")
               for line in out.read_text().splitlines()), out.read_text()


def heard(mon) -> bool:
    freq, rms = mon.last(0.3)
    return rms > 2e-5 and abs(freq - 440) <= 15
