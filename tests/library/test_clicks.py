"""The directory's click count (library.clicks): counted once across restarts and between
processes, and a bad clicks file is kept aside while counting goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from library.clicks import CLICKS_FILE, ClickLog
from player.stations import Station, Stream
from tests.support.bad_state import CASES, bad_bytes, check_kept_aside

UUID_A = "96062a7b-0601-11e8-ae97-52543be04c81"
UUID_B = "0f2d6f5c-2b4a-4b1f-9a53-0c8f6b9e0c11"


class Counted:
    """The directory's side, as a list (the request itself is the directory's tests')."""

    def __init__(self) -> None:
        self.clicks: list[str] = []

    def count_click(self, uuid: str) -> None:
        self.clicks.append(uuid)


def station(uuid: str | None) -> Station:
    return Station("s", "S", "", "", "UTC", None, None, (Stream("http://127.0.0.1/s"),), None,
                   None, directory_uuid=uuid)


def play(log: ClickLog, uuid: str | None) -> None:
    due = log.due(station(uuid))
    if due is not None:
        log.count(due)


def test_a_click_counts_once_across_restarts_and_processes(tmp_path: Path) -> None:
    sent = Counted()
    gui, command = ClickLog(tmp_path, sent), ClickLog(tmp_path, sent)  # two processes
    play(gui, UUID_A)
    play(gui, UUID_A)
    play(command, UUID_B)  # its save keeps the other's count
    play(gui, None)
    assert sent.clicks == [UUID_A, UUID_B]
    assert json.loads((tmp_path / CLICKS_FILE).read_text()) == {"counted": sorted([UUID_A,
                                                                                   UUID_B])}
    again = ClickLog(tmp_path, sent)
    play(again, UUID_A)
    play(again, UUID_B)
    assert sent.clicks == [UUID_A, UUID_B]


def test_no_file_counts_from_nothing(tmp_path: Path) -> None:
    sent = Counted()
    play(ClickLog(tmp_path / "new", sent), UUID_A)
    assert sent.clicks == [UUID_A]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_is_kept_aside_and_counting_goes_on(tmp_path: Path, case: str) -> None:
    sent = Counted()
    play(ClickLog(tmp_path, sent), UUID_A)
    bad = bad_bytes(case, (tmp_path / CLICKS_FILE).read_bytes(),
                    wrong_type=b'{"counted": "' + UUID_A.encode() + b'"}')
    check_kept_aside(tmp_path / CLICKS_FILE, bad,
                     lambda: ClickLog(tmp_path, sent)._counted, set())
    play(ClickLog(tmp_path, sent), UUID_B)
    assert sent.clicks == [UUID_A, UUID_B]
    assert json.loads((tmp_path / CLICKS_FILE).read_text()) == {"counted": [UUID_B]}


def test_a_bad_entry_is_dropped_alone(tmp_path: Path) -> None:
    (tmp_path / CLICKS_FILE).write_text(json.dumps({"counted": [UUID_A, 5, "not-a-uuid"]}))
    sent = Counted()
    play(ClickLog(tmp_path, sent), UUID_A)
    assert sent.clicks == [] and [p.name for p in tmp_path.iterdir()] == [CLICKS_FILE]
