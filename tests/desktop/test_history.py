"""Listening history: the model and its cap, the file (atomic, a corrupt one kept and never
overwritten), the recorder over a real player and guide, and `onair play` against the real
Icecast bench followed by `onair history --json`, as a person runs them.

The GUI's side (the app playing, the History view, Copy) is in test_notifications_e2e.py
and tests/ui/test_history_view.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kivy.clock import Clock

from desktop.history import (
    FILE_NAME,
    Heard,
    History,
    HistoryStore,
    Listen,
    parse_history,
)
from desktop.history_recorder import HistoryRecorder
from infra.errors import BadInput
from tests.support.bad_state import CASES, bad_bytes, check_kept_aside
from tests.support.clock import ManualClock
from tests.support.tasks import task_runner
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 10:00 AM in Kansas City


def listen(program: str, start_min: int, end_min: int, station: str = "kcur") -> Listen:
    return Listen(station, "KCUR 89.3" if station == "kcur" else "WDMO 99.5", program,
                  T0 + timedelta(minutes=start_min), T0 + timedelta(minutes=end_min))


def heard(title: str, minute: int, station: str = "kcur") -> Heard:
    return Heard(station, "KCUR 89.3" if station == "kcur" else "WDMO 99.5", title,
                 T0 + timedelta(minutes=minute))


# -- the model -----------------------------------------------------------------------------
def test_rows_are_newest_first_and_name_station_program_and_title() -> None:
    from zoneinfo import ZoneInfo

    h = History((listen("Up To Date", 0, 60), listen("", 70, 75, "wdmo")),
                (heard("Artist - Song", 5),))
    rows = [r.text for r in h.rows(ZoneInfo("America/Chicago"))]
    assert rows == [
        "Tue Dec 1, 11:10 AM CST – 11:15 AM  WDMO 99.5  (program not known)",
        "Tue Dec 1, 10:05 AM CST  KCUR 89.3  Title: Artist - Song",
        "Tue Dec 1, 10:00 AM CST – 11:00 AM  KCUR 89.3  Up To Date",
    ]
    assert [r.station for r in h.for_station("kcur").rows()] == ["kcur", "kcur"]


def test_json_round_trip_and_bad_entries_named() -> None:
    h = History((listen("Up To Date", 0, 60),), (heard("A [b]x[/b]", 5),))
    assert parse_history(json.loads(h.dumps()), "h.json") == h
    with pytest.raises(BadInput, match=r"h.json: programs\[0\]: not an ISO 8601 time"):
        parse_history({"programs": [{"station": "kcur", "start": "yesterday"}]}, "h.json")
    with pytest.raises(BadInput, match="h.json: not a history object"):
        parse_history([1, 2], "h.json")
    # Remote text is kept as one printable, bounded line.
    odd = parse_history({"titles": [{"station": "k", "station_name": "K", "title":
                                     "a\nb\x07" + "x" * 500, "at": T0.isoformat()}]}, "h")
    assert odd.heard[0].title.startswith("a b") and len(odd.heard[0].title) == 200


def test_capped_keeps_the_newest_by_count_and_by_size() -> None:
    many = History(tuple(listen(f"P{n}", n, n + 1) for n in range(50)),
                   tuple(heard(f"T{n}", n) for n in range(80)))
    small = many.capped(max_listens=10, max_heard=20)
    assert [x.program for x in small.listens] == [f"P{n}" for n in range(40, 50)]
    assert small.heard[0].title == "T60" and small.heard[-1].title == "T79"
    tight = many.capped(max_bytes=4000)
    assert len(tight.dumps()) <= 4000
    assert tight.listens[-1].program == "P49" and tight.heard[-1].title == "T79"


# -- the file ------------------------------------------------------------------------------
def test_the_store_caps_the_file_and_an_older_generation_never_wins(tmp_path) -> None:
    from desktop import history as model

    store = HistoryStore(tmp_path)
    big = History(tuple(listen(f"Program {n}", n, n + 1) for n in range(model.MAX_LISTENS + 50)),
                  tuple(heard(f"Title {n}", n) for n in range(model.MAX_HEARD + 10)))
    store.save(big, 2)
    on_disk = store.load()
    assert len(on_disk.listens) == model.MAX_LISTENS and len(on_disk.heard) <= model.MAX_HEARD
    assert on_disk.listens[-1].program == f"Program {model.MAX_LISTENS + 49}"
    assert (tmp_path / FILE_NAME).stat().st_size <= model.MAX_BYTES
    store.save(History(), 1)  # a write queued earlier, finishing late
    assert store.load() == on_disk
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME], "no temp file left"


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_is_kept_aside_never_overwritten(tmp_path, case, caplog) -> None:
    store = HistoryStore(tmp_path)
    t = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
    store.save(History().with_listen(Listen("kcur", "KCUR", "1A", t, t)), 1)
    bad = bad_bytes(case, (tmp_path / FILE_NAME).read_bytes(),
                    wrong_type=b'{"version": 1, "programs": "1A", "titles": []}')
    with caplog.at_level("WARNING"):
        check_kept_aside(tmp_path / FILE_NAME, bad, store.load, History())
    lines = [r.message for r in caplog.records if "kept as" in r.message]
    assert len(lines) == 2 and lines[0].startswith(f"{tmp_path / FILE_NAME}: ")


def test_no_file_is_an_empty_history(tmp_path) -> None:
    assert HistoryStore(tmp_path / "new").load() == History()


# -- the recorder over a real player and guide -----------------------------------------------
@pytest.fixture
def rig(tmp_path):
    from player.controller import PlayerController
    from player.fake_backend import FakeBackend
    from schedule.controller import GuideController
    from schedule.model import Program
    from tests.ui.conftest import make_station

    clock = ManualClock(T0 - timedelta(minutes=10))
    backend = FakeBackend()
    player = PlayerController(backend, tasks=task_runner())
    guide = GuideController(None, clock=clock, tasks=task_runner())  # programs put by hand
    station, other = make_station("kcur", "KCUR 89.3"), make_station("wdmo", "WDMO 99.5")
    programs = [Program("1A", T0 - timedelta(hours=1), T0, ("Jenn White",)),
                Program("Up To Date", T0, T0 + timedelta(hours=1), ("Steve Kraske",))]
    recorder = HistoryRecorder(player, guide, HistoryStore(tmp_path), tasks=task_runner(),
                               clock=clock)

    class Rig:
        pass

    r = Rig()
    r.__dict__.update(clock=clock, backend=backend, player=player, guide=guide,
                      station=station, other=other, programs=programs, recorder=recorder,
                      store=HistoryStore(tmp_path))

    def play(st=station):
        player.play(st)
        guide.station = st
        guide.today = programs if st is station else []
        guide.tick()
        wait_until(lambda: player.state == "playing", 5, "playing", step=Clock.tick)

    def move(minutes: float):
        clock.now += timedelta(minutes=minutes)
        guide.tick()
        Clock.tick()

    r.play, r.move = play, move
    yield r
    recorder.close()
    guide.shutdown()
    player.shutdown()


def test_the_recorder_splits_at_program_changes_and_rejoins_short_pauses(rig) -> None:
    rig.recorder.start()
    rig.play()
    rig.move(5)  # 9:55
    rig.backend.set_title("Artist - Song")
    wait_until(lambda: rig.recorder.history.heard, 5, "the title", step=Clock.tick)
    rig.backend.set_title("Artist - Song")  # the same title again is not a new one
    rig.move(6)  # 10:01: Up To Date
    rig.player.pause()
    wait_until(lambda: rig.player.state == "paused", 5, "paused", step=Clock.tick)
    rig.move(1)
    rig.player.resume()
    wait_until(lambda: rig.player.state == "playing", 5, "playing again", step=Clock.tick)
    rig.move(10)  # 10:12
    rig.play(rig.other)
    rig.move(2)
    rig.player.stop()
    wait_until(lambda: rig.player.state == "stopped", 5, "stopped", step=Clock.tick)
    h = rig.recorder.history
    minutes = [(x.station, x.program, (x.start - T0) / timedelta(minutes=1),
                (x.end - T0) / timedelta(minutes=1)) for x in h.listens]
    # 1A from 9:50 until the guide said Up To Date (seen at 10:01); Up To Date on through the
    # one-minute pause (shorter than REJOIN); the other station, whose guide is unknown.
    assert minutes == [("kcur", "1A", -10, 1), ("kcur", "Up To Date", 1, 12),
                       ("wdmo", "", 12, 14)]
    assert [(x.title, (x.at - T0) / timedelta(minutes=1)) for x in h.heard] == [
        ("Artist - Song", -5)]


def test_close_writes_the_open_stretch(rig) -> None:
    rig.recorder.start()
    rig.play()
    rig.move(3)
    rig.recorder.close()
    on_disk = rig.store.load()
    assert [(x.program, x.end - x.start) for x in on_disk.listens] == [
        ("1A", timedelta(minutes=3))]


def test_a_corrupt_file_does_not_stop_the_recorder(rig, tmp_path) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"\x00\xffnot json")
    rig.recorder.start()
    rig.play()
    rig.move(2)
    rig.recorder.close()
    (kept,) = tmp_path.glob(f"{FILE_NAME}.corrupt-*")
    assert kept.read_bytes() == b"\x00\xffnot json"
    assert [x.program for x in rig.store.load().listens] == ["1A"]


# -- as a person runs it ---------------------------------------------------------------------
def onair(*args: str, config: Path, env: dict | None = None,
          timeout: float = 60) -> subprocess.CompletedProcess[str]:
    run_env = {**os.environ, "ONAIR_CONFIG_DIR": str(config), **(env or {})}
    run_env.pop("ONAIR_STATIONS", None)
    run_env.pop("ONAIR_STATE_DIR", None)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], env=run_env,
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def bench_catalogue(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "stations.json"
    path.write_text(json.dumps({"stations": [{
        "id": "bench", "name": "Bench FM", "tagline": "", "city": "Loopback",
        "timezone": "UTC", "homepage": None, "logo": None,
        "streams": [{"url": url}], "schedule": None, "news": None}]}))
    return path


@pytest.mark.icecast
@pytest.mark.timeout(120)
def test_onair_play_then_onair_history_lists_the_station_and_the_title(bench,
                                                                        tmp_path) -> None:
    config = tmp_path / "config"
    stations = bench_catalogue(tmp_path, bench.url("/a.mp3"))
    bench.set_title("/a.mp3", "History Artist - History Song")
    played = onair("--stations", str(stations), "play", "bench", "--seconds", "3",
                   config=config, env={"ONAIR_AUDIO_FILE": str(tmp_path / "a.wav")})
    assert played.returncode == 0, played.stderr
    assert "title: History Artist - History Song" in played.stdout
    listed = onair("history", "--json", config=config)
    assert listed.returncode == 0, listed.stderr
    out = json.loads(listed.stdout)
    (program,) = out["programs"]
    assert program["station"] == "bench" and program["station_name"] == "Bench FM"
    start, end = (datetime.fromisoformat(program[k]) for k in ("start", "end"))
    assert timedelta(seconds=2) <= end - start <= timedelta(seconds=60)
    assert [(t["station"], t["title"]) for t in out["titles"]] == [
        ("bench", "History Artist - History Song")]
    text = onair("history", config=config)
    assert text.returncode == 0 and "Bench FM  Title: History Artist - History Song" in text.stdout
    other = onair("history", "--station", "kcur", "--json", config=config)
    assert json.loads(other.stdout) == {"programs": [], "titles": []}


@pytest.mark.icecast
@pytest.mark.timeout(120)
def test_a_corrupt_history_is_reported_kept_and_does_not_stop_playback(bench, tmp_path) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / FILE_NAME).write_text("{ this is not json")
    listed = onair("history", config=config)
    assert listed.returncode == 0 and listed.stdout == "Nothing listened to yet.\n"
    (line,) = listed.stderr.strip().splitlines()
    assert line.startswith(f"{config / FILE_NAME}: not valid JSON") and "kept as" in line
    (kept,) = config.glob(f"{FILE_NAME}.corrupt-*")
    assert kept.read_text() == "{ this is not json" and kept.name in line
    stations = bench_catalogue(tmp_path, bench.url("/b.mp3"))
    played = onair("--stations", str(stations), "play", "bench", "--seconds", "1",
                   config=config, env={"ONAIR_AUDIO_FILE": str(tmp_path / "b.wav")})
    assert played.returncode == 0, played.stderr
    assert kept.read_text() == "{ this is not json"
    out = json.loads(onair("history", "--json", config=config).stdout)
    assert [p["station"] for p in out["programs"]] == ["bench"]
