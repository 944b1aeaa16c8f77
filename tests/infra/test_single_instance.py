"""infra.single_instance between real processes: the first claims and hears a second's
wish; a killed first leaves a lock and a socket that stop nobody; a holder that never
answers is named; bad requests are refused and the listener goes on; the runtime dir must
be private. (The GUI end to end is tests/ui/test_single_instance.py.)"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from infra.single_instance import (
    MAX_MESSAGE,
    NoAnswer,
    claim_or_hand_over,
    key_for,
    runtime_dir,
)

ROOT = Path(__file__).resolve().parents[2]
FIRST = """
import json, sys, threading
from pathlib import Path
from infra.single_instance import claim_or_hand_over
got = threading.Event()
instance = claim_or_hand_over(Path(sys.argv[1]), {}, env={"XDG_RUNTIME_DIR": sys.argv[2]})
if sys.argv[3] == "listen":
    instance.listen(lambda wish: (print(json.dumps(wish), flush=True), got.set()))
print("claimed", flush=True)
got.wait(60)
"""


@pytest.fixture
def runtime():
    """A short private runtime dir (a Unix socket's path must stay under 108 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="rt", dir="/tmp"))
    folder.chmod(0o700)
    yield {"XDG_RUNTIME_DIR": str(folder)}
    shutil.rmtree(folder)


def first_app(config: Path, runtime: dict, mode: str = "listen") -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", FIRST, str(config),
                             runtime["XDG_RUNTIME_DIR"], mode], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "claimed"
    return proc


def test_a_second_app_hands_its_wish_to_the_first(tmp_path, runtime):
    proc = first_app(tmp_path / "config", runtime)
    try:
        assert claim_or_hand_over(tmp_path / "config", {"station": "kcur"}, env=runtime) is None
        assert json.loads(proc.stdout.readline()) == {"station": "kcur"}
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait(10)


def test_another_config_dir_is_another_app(tmp_path, runtime):
    proc = first_app(tmp_path / "config", runtime)
    try:
        other = claim_or_hand_over(tmp_path / "other", {}, env=runtime)
        assert other is not None
        other.close()
    finally:
        proc.kill()
        proc.wait(10)


def test_a_killed_first_app_leaves_nothing_in_the_way(tmp_path, runtime):
    proc = first_app(tmp_path / "config", runtime)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    folder = Path(runtime["XDG_RUNTIME_DIR"]) / "onair"
    key = key_for(tmp_path / "config")
    assert (folder / f"gui-{key}.lock").exists() and (folder / f"gui-{key}.sock").exists()
    heard: list[dict] = []
    got = threading.Event()
    instance = claim_or_hand_over(tmp_path / "config", {}, env=runtime, timeout=5)
    assert instance is not None
    try:
        instance.listen(lambda wish: (heard.append(wish), got.set()))
        assert claim_or_hand_over(tmp_path / "config", {"n": 1}, env=runtime) is None
        assert got.wait(5) and heard == [{"n": 1}]
    finally:
        instance.close()
    assert not (folder / f"gui-{key}.sock").exists()
    assert not (folder / f"gui-{key}.lock").exists()  # a clean exit leaves nothing


def test_a_first_app_that_never_answers_is_named(tmp_path, runtime):
    proc = first_app(tmp_path / "config", runtime, mode="deaf")
    try:
        with pytest.raises(NoAnswer, match="did not answer within 1 s"):
            claim_or_hand_over(tmp_path / "config", {}, env=runtime, timeout=1)
    finally:
        proc.kill()
        proc.wait(10)


def test_bad_requests_are_refused_and_the_listener_lives_on(tmp_path, runtime):
    instance = claim_or_hand_over(tmp_path / "config", {}, env=runtime)
    heard: list[dict] = []
    got = threading.Event()
    instance.listen(lambda wish: (heard.append(wish), got.set()))
    try:
        for request in (b"not json\n", b"[1, 2]\n", b"{" + b" " * MAX_MESSAGE + b"\n"):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(5)
                conn.connect(str(instance.sock_path))
                try:
                    conn.sendall(request)
                except OSError:
                    pass  # refused before it was all sent
                assert conn.recv(16) == b"error\n"
        assert claim_or_hand_over(tmp_path / "config", {"ok": True}, env=runtime) is None
        assert got.wait(5) and heard == [{"ok": True}]
    finally:
        instance.close()


def test_a_runtime_dir_others_can_enter_is_not_used(tmp_path):
    base = tmp_path / "run"
    (base / "onair").mkdir(parents=True)
    (base / "onair").chmod(0o755)
    with pytest.raises(PermissionError, match="not a private folder"):
        runtime_dir({"XDG_RUNTIME_DIR": str(base)})
    (base / "onair").chmod(0o700)
    assert runtime_dir({"XDG_RUNTIME_DIR": str(base)}) == base / "onair"
    assert os.stat(base / "onair").st_mode & 0o777 == 0o700
