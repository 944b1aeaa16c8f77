"""One running app: a second `onair` brings the first window forward, hands it its station,
and exits 0 without a window of its own; a crashed first app's claim is no obstacle; and
the commands (`onair stations`) still run beside the app.

End to end under openbox on Xvfb: `onair gui` playing station A from the Icecast bench,
minimized (xdotool) or covered by another client's window (xmessage); then `onair gui B`.
What the screen shows comes from xwininfo and the app's debug state file; the sound from
its WAV.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.demo_data import STATIONS, demo_catalogue
from tests.ui.app_process import REPO, AppProcess, CoveringWindow, WindowManager, map_state

pytestmark = [pytest.mark.gui, pytest.mark.e2e, pytest.mark.icecast,
              pytest.mark.skipif(not all(shutil.which(t) for t in
                                         ("xdotool", "xmessage", "xwininfo", "openbox")),
                                 reason="needs xdotool, x11-utils and openbox")]

A, B = STATIONS[0], STATIONS[1]
SECOND_S = 10.0  # the second app must be gone within this


@pytest.fixture
def catalogue(tmp_path, bench, site, media):  # the shared fixtures of tests/conftest.py
    path = tmp_path / "stations.json"
    path.write_text(json.dumps(demo_catalogue(site, bench.url, media)))
    return path


@pytest.fixture
def desktop(tmp_path):
    prefs = tmp_path / "config" / "prefs.json"
    prefs.parent.mkdir(parents=True)
    prefs.write_text(json.dumps({"autoplay": True, "last_station": A.id}))
    with WindowManager() as wm:
        yield wm


def app_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ONAIR_CONFIG_DIR": str(tmp_path / "config"),
            "ONAIR_CACHE_DIR": str(tmp_path / "cache"), "KIVY_NO_ARGS": "1",
            "ONAIR_AUDIO_FILE": str(tmp_path / "second.wav"),
            "KIVY_HOME": str(tmp_path / "kivy2")}


def windows_of(pid: int) -> list[str]:
    done = subprocess.run(["xdotool", "search", "--pid", str(pid)], capture_output=True,
                          text=True, timeout=10)
    return done.stdout.split()


def second_onair(tmp_path: Path, catalogue: Path, *args: str) -> tuple[int, str, float]:
    """`onair --stations FILE gui ARGS` while the first runs: (exit code, stderr, seconds
    it took), checking all along that it never opens a window."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(REPO / "main.py"), "--stations",
                             str(catalogue), "gui", *args], cwd=REPO, env=app_env(tmp_path),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        while proc.poll() is None:
            assert not windows_of(proc.pid), "the second onair opened a window"
            assert time.monotonic() - t0 < SECOND_S, "the second onair is still running"
            time.sleep(0.1)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return proc.returncode, err, time.monotonic() - t0


def app_windows() -> list[str]:
    """Every top-level window with a process id (the apps'), by _NET_WM_PID."""
    done = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", ""],
                          capture_output=True, text=True, timeout=10)
    found = []
    for window in done.stdout.split():
        pid = subprocess.run(["xdotool", "getwindowpid", window], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        if pid and pid != str(os.getpid()):
            found.append(window)
    return found


@pytest.mark.timeout(240)
def test_a_second_onair_brings_the_minimized_window_forward_and_plays_its_station(
        tmp_path, catalogue, desktop):
    app = AppProcess(tmp_path, catalogue)
    try:
        app.wait_window()
        app.wait(lambda s: s["state"] == "playing" and s["station"] == A.id, timeout=30,
                 what="playing A")
        app.wait_hears(440)
        shown = app_windows()
        app.minimize()
        app.wait(lambda s: not s["window"]["visible"], what="minimized")
        assert map_state(app.window) != "IsViewable"

        code, err, took = second_onair(tmp_path, catalogue, B.id)
        assert code == 0, err
        assert "already running" in err and "Traceback" not in err

        state = app.wait(lambda s: s["window"]["visible"], timeout=10, what="brought forward")
        assert map_state(app.window) == "IsViewable"
        app.wait(lambda s: s["station"] == B.id and s["state"] == "playing", timeout=30,
                 what="playing B")
        app.wait_hears(1000, timeout=30)
        assert app_windows() == shown, "a second window appeared"
        assert state["window"]["visible"] and app.proc.poll() is None
        app.screenshot_screen("single_instance_forward")
    finally:
        assert app.stop() == 0


@pytest.mark.timeout(240)
def test_a_covered_window_is_raised_and_commands_still_run_beside_the_app(
        tmp_path, catalogue, desktop):
    app = AppProcess(tmp_path, catalogue)
    try:
        app.wait_window()
        app.wait(lambda s: s["state"] == "playing", timeout=30, what="playing A")
        with CoveringWindow():
            app.wait(lambda s: not s["window"]["visible"], what="covered")
            code, err, _ = second_onair(tmp_path, catalogue)
            assert code == 0, err
            app.wait(lambda s: s["window"]["visible"], timeout=10, what="raised over the cover")
            app.wait(lambda s: s["station"] == A.id and s["state"] == "playing",
                     what="still playing A")
        listed = subprocess.run([sys.executable, str(REPO / "main.py"), "--stations",
                                 str(catalogue), "stations", "--json"], cwd=REPO,
                                env=app_env(tmp_path), capture_output=True, text=True,
                                timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert [s["id"] for s in json.loads(listed.stdout)["stations"]][:2] == [A.id, B.id]
    finally:
        assert app.stop() == 0


@pytest.mark.timeout(240)
def test_a_crashed_first_app_does_not_stop_the_next_one(tmp_path, catalogue, desktop):
    first = AppProcess(tmp_path, catalogue)
    try:
        first.wait_window()
    finally:
        first.proc.send_signal(signal.SIGKILL)
        first.stop()
    again = AppProcess(tmp_path, catalogue)  # its lock and socket are left behind
    try:
        again.wait_window()
        again.wait(lambda s: s["state"] == "playing", timeout=30, what="playing")
        code, err, _ = second_onair(tmp_path, catalogue)
        assert code == 0, err
        assert again.proc.poll() is None
    finally:
        assert again.stop() == 0
