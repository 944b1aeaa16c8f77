"""A listener's state files, as the main before infra.state_file wrote them
(tests/support/state_from_main/: written by that code, `git show cda33aa:...`), load
unchanged, nothing is moved aside, and saving them again gives the same bytes."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from desktop.alarm import AlarmStore
from desktop.history import HistoryStore
from infra.settings import Settings, load_settings, save_settings
from library.clicks import ClickLog
from recording.store import ScheduleStore
from ui.prefs import Prefs, load_prefs, save_prefs

FIXTURES = Path(__file__).parent / "support" / "state_from_main"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for path in FIXTURES.glob("*.json"):
        shutil.copyfile(path, tmp_path / path.name)
    return tmp_path


def same_bytes(folder: Path, *names: str) -> None:
    for name in names:
        assert (folder / name).read_bytes() == (FIXTURES / name).read_bytes(), name
    assert not list(folder.glob("*.corrupt-*")), "nothing was kept aside"


def test_settings(folder: Path) -> None:
    settings = load_settings(folder)
    assert settings == Settings(notifications=False, buffer_minutes=60, buffer_mb=500,
                                recordings_dir="~/Radio/Aufnahmen", theme="dark",
                                font_scale=1.25)
    save_settings(folder, settings)
    same_bytes(folder, "settings.json")


def test_prefs_and_station_volumes(folder: Path) -> None:
    prefs = load_prefs(folder)
    assert prefs == Prefs(last_station="kcur", volume=65, window_size=(1200, 800),
                          autoplay=True, station_volumes={"kcur": 40, "wkar": 90})
    save_prefs(folder, prefs)
    same_bytes(folder, "prefs.json", "station_volumes.json")


def test_directory_clicks(folder: Path) -> None:
    class Sent:
        def count_click(self, _uuid: str) -> None:
            pass

    clicks = ClickLog(folder, Sent())
    assert clicks._counted == {"96062a7b-0601-11e8-ae97-52543be04c81",
                               "0f2d6f5c-2b4a-4b1f-9a53-0c8f6b9e0c11"}
    clicks.count("96062a7b-0601-11e8-ae97-52543be04c81")
    same_bytes(folder, "directory_clicks.json")


def test_alarms(folder: Path) -> None:
    store = AlarmStore(folder)
    alarms = store.load()
    assert [(a.station_id, a.station_name, a.due, a.at, a.program, a.ramp_s)
            for a in alarms] == [
        ("wkar", "WKAR Público", datetime(2026, 12, 8, 9, 0, tzinfo=UTC), None,
         "Morning Édition", 60.0),
        ("kcur", "KCUR 89.3", datetime(2026, 12, 8, 7, 0, tzinfo=ZoneInfo("America/Chicago")),
         "07:00", None, 60.0)]
    assert store.problem == ""
    store.save(alarms)
    same_bytes(folder, "alarms.json")


def test_history(folder: Path) -> None:
    store = HistoryStore(folder)
    history = store.load()
    t = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    assert [(x.station, x.program, x.start, x.end - x.start) for x in history.listens] == [
        ("kcur", "All Things Considered", t, timedelta(minutes=42)),
        ("wkar", "", t + timedelta(hours=1), timedelta(minutes=5))]
    assert [(x.station, x.title, x.at) for x in history.heard] == [
        ("kcur", "Björk – Jóga", t + timedelta(minutes=3))]
    store.save(history, 1)
    same_bytes(folder, "history.json")


def test_scheduled_recordings(folder: Path) -> None:
    store = ScheduleStore(folder)
    entries = store.load()
    assert [(e.id, e.station, e.program, e.rule, e.padding_s, e.at, e.weekday, e.out,
             e.last_start) for e in entries] == [
        ("a1b2c3d4e5f6", "kcur", "Up To Date", "weekly", 60.0, None, 2, None, None),
        ("0123456789ab", "wkar", "Fresh Air", "next", 0.0, "2026-12-09T15:00:00-05:00", None,
         "/home/me/Music/On Air/fresh.mp3", None),
        ("ffeeddccbbaa", "kcur", "Morning Edition", "daily", 0.0, None, None, None,
         "2026-12-07T06:00:00-06:00")]
    store.save(entries)
    same_bytes(folder, "recordings.json")
