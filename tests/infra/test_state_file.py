"""infra.state_file: the one way a state file is read, checked, kept aside and written."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

import infra.state_file as state_file
from infra.file_lock import locked
from infra.state_file import StateFile
from tests.support.bad_state import CASES, bad_bytes, check_kept_aside


def _numbers(raw: object) -> list[int]:
    values = raw["numbers"]  # KeyError: not ours
    if not all(isinstance(v, int) for v in values):
        raise TypeError("numbers must be whole numbers")
    return list(values)


def numbers_file(path: Path) -> StateFile[list[int]]:
    return StateFile(path, parse=_numbers, default=list,
                     serialize=lambda values: {"numbers": values})


def test_missing_is_the_default_quietly(tmp_path: Path, caplog) -> None:
    store = numbers_file(tmp_path / "n.json")
    assert store.load() == [] and store.problem == "" and not caplog.records


def test_save_then_load_writes_atomically(tmp_path: Path) -> None:
    store = numbers_file(tmp_path / "deep" / "n.json")
    store.save([1, 2])
    assert store.load() == [1, 2]
    assert json.loads((tmp_path / "deep" / "n.json").read_text()) == {"numbers": [1, 2]}
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["n.json"], "no temp/lock left"


@pytest.mark.parametrize("case", [*CASES, "parse_raises"])
def test_a_bad_file_is_kept_aside_with_one_line(tmp_path: Path, case: str, caplog) -> None:
    path = tmp_path / "n.json"
    bad = b'{"numbers": ["one"]}' if case == "parse_raises" else bad_bytes(
        case, b'{"numbers": [1, 2, 3, 4, 5]}', wrong_type=b"[1, 2, 3]")
    store = numbers_file(path)
    check_kept_aside(path, bad, store.load, [])
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and all(line.startswith(f"{path}: ") for line in lines)
    assert "kept as n.json.corrupt-" in lines[0] and lines[1] == store.problem


def test_a_name_taken_gets_a_number_never_overwriting(tmp_path: Path, monkeypatch) -> None:
    moment = datetime(2026, 12, 7, 19, 45, 12, tzinfo=UTC)
    monkeypatch.setattr(state_file, "now_utc", lambda: moment)
    path = tmp_path / "n.json"
    for n in range(3):
        path.write_bytes(b"bad %d" % n)
        assert numbers_file(path).load() == []
    names = sorted(p.name for p in tmp_path.glob("n.json.corrupt-*"))
    assert names == ["n.json.corrupt-20261207T194512Z", "n.json.corrupt-20261207T194512Z-2",
                     "n.json.corrupt-20261207T194512Z-3"]
    assert [(tmp_path / name).read_bytes() for name in names] == [b"bad 0", b"bad 1", b"bad 2"]


def test_without_hard_links_it_still_never_overwrites(tmp_path: Path, monkeypatch) -> None:
    def no_links(_src: object, _dst: object) -> None:
        raise PermissionError("no hard links here")

    monkeypatch.setattr(state_file.os, "link", no_links)
    monkeypatch.setattr(state_file, "now_utc", lambda: datetime(2026, 1, 1, tzinfo=UTC))
    path = tmp_path / "n.json"
    for n in range(2):
        path.write_bytes(b"bad %d" % n)
        assert numbers_file(path).load() == []
    assert (tmp_path / "n.json.corrupt-20260101T000000Z").read_bytes() == b"bad 0"
    assert (tmp_path / "n.json.corrupt-20260101T000000Z-2").read_bytes() == b"bad 1"


def test_a_good_file_written_meanwhile_is_not_moved(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    path.write_bytes(b"not json")
    store = numbers_file(path)
    first = {"done": False}
    judge = store._judge

    def judged_then_replaced(data: bytes):  # another process's good write lands meanwhile
        if not first["done"]:
            first["done"] = True
            path.write_text('{"numbers": [7]}')
        return judge(data)

    store._judge = judged_then_replaced
    assert store.load() == [7]
    assert path.read_text() == '{"numbers": [7]}' and not list(tmp_path.glob("*.corrupt-*"))


def test_a_bad_file_that_cannot_be_moved_is_never_written_over(tmp_path: Path,
                                                               monkeypatch) -> None:
    path = tmp_path / "n.json"
    path.write_bytes(b"not json")

    def refuse(*_args: object) -> Path:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(state_file, "_move_aside", refuse)
    store = numbers_file(path)
    assert store.load() == [] and "could not be moved aside" in store.problem
    with pytest.raises(OSError, match="not written over"):
        store.save([1])
    assert path.read_bytes() == b"not json"


def test_update_holds_the_lock_from_read_to_write(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    store = numbers_file(path)
    store.save([])
    inside, release = threading.Event(), threading.Event()

    def slow_append(values: list[int]) -> list[int]:
        inside.set()
        assert release.wait(10)
        return [*values, 1]

    worker = threading.Thread(target=store.update, args=(slow_append,))
    worker.start()
    assert inside.wait(10)
    other = threading.Thread(target=numbers_file(path).update,
                             args=(lambda values: [*values, 2],))
    other.start()
    release.set()
    worker.join(10)
    other.join(10)
    assert not worker.is_alive() and not other.is_alive()
    assert store.load() == [1, 2], "the second change saw the first one"
    with locked(path):  # the lock is free again
        pass
