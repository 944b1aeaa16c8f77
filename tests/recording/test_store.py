"""recording.store: scheduled recordings kept in the config dir, never lost to a bad file."""

from __future__ import annotations

import json

import pytest

from infra.errors import BadInput
from recording.store import FILE_NAME, Scheduled, ScheduleStore, new_id


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
    ('["a list"]', 'no "scheduled" list'),
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
def test_a_bad_file_is_named_in_the_error_and_never_overwritten(tmp_path, content, why):
    path = tmp_path / FILE_NAME
    path.write_text(content)
    store = ScheduleStore(tmp_path)
    for attempt in (store.load, lambda: store.add(weekday_entry()),
                    lambda: store.remove("x")):
        with pytest.raises(BadInput) as err:
            attempt()
        assert str(path) in str(err.value) and why in str(err.value)
        assert "\n" not in str(err.value)
    assert path.read_text() == content


def test_no_file_is_no_entries(tmp_path):
    assert ScheduleStore(tmp_path / "missing").load() == []
