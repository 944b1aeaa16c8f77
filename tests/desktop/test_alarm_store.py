"""desktop.alarm's store (an infra.state_file.StateFile): a bad alarms file is kept aside,
byte for byte, never overwritten, and alarms go on in a new file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.alarm import AlarmStore, new_alarm
from tests.support.bad_state import CASES, bad_bytes, check_kept_aside


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_is_kept_aside_never_overwritten(tmp_path: Path, case: str) -> None:
    alarm = new_alarm("kcur", "KCUR", datetime(2026, 11, 29, 7, 0, tzinfo=UTC), at="07:00")
    AlarmStore(tmp_path).save([alarm])
    bad = bad_bytes(case, (tmp_path / "alarms.json").read_bytes(),
                    wrong_type=b'{"alarms": {"station": "kcur"}}')
    store = AlarmStore(tmp_path)
    check_kept_aside(tmp_path / "alarms.json", bad, store.load, [])
    assert "kept as alarms.json.corrupt-" in store.problem
    store.save([alarm])  # the app goes on with a new file
    assert AlarmStore(tmp_path).load() == [alarm] and AlarmStore(tmp_path).problem == ""


def test_no_file_is_no_alarms_and_no_problem(tmp_path: Path) -> None:
    store = AlarmStore(tmp_path / "new")
    assert store.load() == [] and store.problem == ""
