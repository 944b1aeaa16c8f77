"""recording.store: scheduled recordings kept in the config dir, never lost to a bad file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recording.store import FILE_NAME, Scheduled, ScheduleStore, new_id
from tests.support.bad_state import CASES, bad_bytes, check_kept_aside

ROOT = Path(__file__).resolve().parents[2]


def weekday_entry(**changes) -> Scheduled:
    base = Scheduled(id=new_id(), station="kcur", program="Up To Date", rule="weekday",
                     padding_s=30.0)
    return base.with_(**changes)


def test_entries_survive_a_new_store(tmp_path):
    store = ScheduleStore(tmp_path)
    first = store.add(weekday_entry())
    once = store.add(weekday_entry(rule="next", at="2025-05-14T10:00:00-05:00"))
    assert ScheduleStore(tmp_path).load() == [first, once]
    assert json.loads((tmp_path / FILE_NAME).read_text())["scheduled"][0]["rule"] == "weekday"


def test_the_same_wish_twice_is_one_entry(tmp_path):
    store = ScheduleStore(tmp_path)
    store.add(weekday_entry())
    again = store.add(weekday_entry(program="up to date", padding_s=60.0))
    assert store.load() == [again]


def test_update_and_remove(tmp_path):
    store = ScheduleStore(tmp_path)
    entry = store.add(weekday_entry())
    store.update(entry.with_(last_start="2025-05-14T10:00:00-05:00"))
    assert store.load()[0].last_time.isoformat() == "2025-05-14T10:00:00-05:00"
    assert store.remove(entry.id) and store.load() == []
    assert not store.remove(entry.id)


@pytest.mark.parametrize(("content", "why"), [
    ("{not json", "not valid JSON"),
    ('["a list"]', "not a JSON object"),
    ('{"scheduled": {"id": "x"}}', 'no "scheduled" list'),
    ('{"scheduled": [{"id": "x", "station": "kcur", "program": "P", "rule": "often"}]}',
     'entry 1: field "rule"'),
    ('{"scheduled": [{"id": "x", "station": "kcur", "program": "P", "rule": "next"}]}',
     'field "at" is needed'),
    ('{"scheduled": [{"id": "x", "station": "kcur", "program": "P", "rule": "weekly",'
     ' "weekday": 9}]}', 'field "weekday"'),
    ('{"scheduled": [{"id": "x", "station": "kcur", "program": "P", "rule": "daily",'
     ' "padding_s": "lots"}]}', 'field "padding_s"'),
    ('{"scheduled": [{"id": "x", "station": "kcur", "program": "P", "rule": "next",'
     ' "at": "2025-05-14 10:00"}]}', "with offset"),
])
def test_a_bad_file_is_named_in_one_line_and_kept_aside(tmp_path, content, why, caplog):
    path = tmp_path / FILE_NAME
    path.write_text(content)
    store = ScheduleStore(tmp_path)
    with caplog.at_level("WARNING"):
        assert store.load() == []
    (kept,) = tmp_path.glob(f"{FILE_NAME}.corrupt-*")
    assert kept.read_text() == content and not path.exists()
    (line,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert line.startswith(f"{path}: ") and why in line and kept.name in line
    assert "\n" not in line and store.problem == line
    entry = store.add(weekday_entry())  # scheduling goes on, in a new file
    assert store.load() == [entry] and store.problem == ""
    assert kept.read_text() == content


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_is_kept_aside_never_overwritten(tmp_path, case):
    store = ScheduleStore(tmp_path)
    store.add(weekday_entry())
    bad = bad_bytes(case, (tmp_path / FILE_NAME).read_bytes(),
                    wrong_type=b'{"version": 1, "scheduled": [{"id": "x", "station": ["kcur"]}]}')
    check_kept_aside(tmp_path / FILE_NAME, bad, store.load, [])
    assert store.remove("x") is False  # a change reads a missing file as no entries


def test_onair_recordings_works_beside_a_bad_file(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / FILE_NAME).write_bytes(b'{"scheduled": [{"id": "x"')
    env = {**os.environ, "ONAIR_CONFIG_DIR": str(config)}
    for name in ("ONAIR_STATE_DIR", "ONAIR_STATIONS", "ONAIR_RECORDINGS_DIR"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "recordings", "--json"],
                          env=env, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scheduled"] == []
    (kept,) = config.glob(f"{FILE_NAME}.corrupt-*")
    assert kept.read_bytes() == b'{"scheduled": [{"id": "x"'
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"{config / FILE_NAME}: not valid JSON") and kept.name in line


def test_no_file_is_no_entries(tmp_path):
    assert ScheduleStore(tmp_path / "missing").load() == []
