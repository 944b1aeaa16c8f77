"""infra.file_lock and the atomic writes that use it: one holder at a time across real
processes and threads, re-entrant in a thread, nothing left behind, a killed holder's lock
free at once; and a read-modify-write under it loses no change of another process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from infra.file_lock import lock_path, locked
from infra.paths import atomic_write_text
from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
HOLD = """
import sys, time
from pathlib import Path
from infra.file_lock import locked
with locked(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""
COUNT = """
import json, sys
from pathlib import Path
from infra.file_lock import locked
from infra.paths import atomic_write_text
path, name, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    with locked(path):
        data = json.loads(path.read_text())
        data["items"].append(f"{name}{i}")
        atomic_write_text(path, json.dumps(data))
"""


def holder(path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_another_process_holding_the_lock_keeps_us_out_until_it_lets_go(tmp_path):
    path = tmp_path / "settings.json"
    proc = holder(path)
    try:
        with pytest.raises(TimeoutError, match="held by another process"), \
                locked(path, timeout=0.3):
            pass
        got = threading.Event()

        def wait_for_it() -> None:
            with locked(path):
                got.set()

        waiter = threading.Thread(target=wait_for_it)
        waiter.start()
        assert not got.wait(0.3)  # still held by the other process
        proc.stdin.write("\n")
        proc.stdin.flush()
        waiter.join(10)
        assert got.is_set()
    finally:
        proc.kill()
        proc.wait(10)
    assert not lock_path(path).exists()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    path = tmp_path / "stations.json"
    proc = holder(path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert lock_path(path).exists()  # its sidecar stays, but not its lock
    with locked(path, timeout=1.0):
        atomic_write_text(path, "{}\n")
    assert path.read_text() == "{}\n" and not lock_path(path).exists()


def test_reentrant_in_a_thread_exclusive_between_threads(tmp_path):
    path = tmp_path / "prefs.json"
    order: list[str] = []
    with locked(path):
        atomic_write_text(path, "1")  # the write inside takes the same lock again

        def other() -> None:
            with locked(path):
                order.append("other")

        thread = threading.Thread(target=other)
        thread.start()
        assert not wait_for(lambda: order, 0.3)
        order.append("first")
    thread.join(10)
    assert order == ["first", "other"] and path.read_text() == "1"
    assert not lock_path(path).exists()


def wait_for(cond, timeout: float) -> bool:
    try:
        return wait_until(cond, timeout)
    except AssertionError:
        return False


def test_two_processes_changing_one_file_lose_nothing(tmp_path):
    path = tmp_path / "recordings.json"
    path.write_text(json.dumps({"items": []}))
    seen_bad: list[str] = []
    stop = threading.Event()

    def reader() -> None:  # the file is whole JSON at every moment
        while not stop.is_set():
            try:
                json.loads(path.read_text())
            except ValueError as err:
                seen_bad.append(str(err))

    watch = threading.Thread(target=reader)
    watch.start()
    procs = [subprocess.Popen([sys.executable, "-c", COUNT, str(path), name, "150"],
                              cwd=ROOT) for name in ("a", "b")]
    try:
        for proc in procs:
            assert proc.wait(120) == 0
    finally:
        stop.set()
        watch.join(10)
        for proc in procs:
            proc.kill()
            proc.wait(10)
    items = json.loads(path.read_text())["items"]
    assert sorted(items) == sorted([f"a{i}" for i in range(150)] + [f"b{i}" for i in range(150)])
    assert not seen_bad
    assert sorted(os.listdir(tmp_path)) == ["recordings.json"]  # no lock or temp file left
