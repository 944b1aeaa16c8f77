"""The On Air app as a separate process, driven by real X input (xdotool), for e2e tests.

Started like `onair --stations FILE gui` on the test's X display (xvfb-run), with
its config, cache and WAV output in a temp folder. What the window shows is read
from the small JSON file the app writes when ONAIR_DEBUG_STATE_FILE is set (see
ui/debug_state.py); screenshots come from ImageMagick's `import`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.audio import duration_s, hears

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


class AppProcess:
    def __init__(self, folder: Path, stations_file: Path) -> None:
        self.folder = folder
        self.wav = folder / "out.wav"
        self.state_file = folder / "state.json"
        self.log = folder / "app.log"
        env = dict(os.environ)
        env.update({
            "ONAIR_CONFIG_DIR": str(folder / "config"), "ONAIR_CACHE_DIR": str(folder / "cache"),
            "ONAIR_AUDIO_FILE": str(self.wav), "ONAIR_DEBUG_STATE_FILE": str(self.state_file),
            "KIVY_NO_ARGS": "1", "KIVY_HOME": str(folder / "kivy"),
        })
        env.pop("KIVY_NO_FILELOG", None)
        self._log = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(REPO / "main.py"), "--stations", str(stations_file), "gui"],
            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT)
        self.window = ""

    # -- window -------------------------------------------------------------------------
    def wait_window(self, timeout: float = 30.0) -> None:
        """Wait for the window to be drawn (its first state file) and find its X id.

        SDL stores the title as a UTF-8 WM_NAME that `xdotool search --name` does not
        match, so the window is found by the app's process id (the test process may
        have a Kivy window of its own on the same display)."""
        self.wait(lambda s: s.get("drawn"), timeout, "the first drawn frame")
        out = subprocess.run(["xdotool", "search", "--sync", "--pid", str(self.proc.pid)],
                             capture_output=True, text=True, timeout=timeout, check=True)
        self.window = out.stdout.split()[-1]
        title = subprocess.run(["xprop", "-id", self.window, "_NET_WM_NAME"],
                               capture_output=True, text=True, timeout=10).stdout
        assert '"On Air"' in title, title

    def key(self, *names: str) -> None:
        """Real X key presses (XTEST) into the focused app window."""
        subprocess.run(["xdotool", "windowfocus", "--sync", self.window], check=True,
                       timeout=10)
        subprocess.run(["xdotool", "key", "--delay", "80", *names], check=True, timeout=10)

    def click(self, control: str) -> None:
        """A real mouse click (XTEST) on a control the app reports under "controls"."""
        state = self.wait(lambda s: control in s.get("controls", {}), what=f"{control} shown")
        x, y = state["controls"][control]
        subprocess.run(["xdotool", "mousemove", "--window", self.window, "--sync", str(x),
                        str(y), "click", "1"], check=True, timeout=10)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        subprocess.run(["import", "-window", self.window or "root", str(path)], check=True,
                       timeout=30)
        return path

    # -- what it shows ------------------------------------------------------------------
    def state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def texts(self, section: str) -> list[str]:
        return self.state().get("sections", {}).get(section, [])

    def wait(self, cond: Callable[[dict], object], timeout: float = 15.0, what: str = "") -> dict:
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if state and cond(state):
                return state
            if self.proc.poll() is not None:
                raise AssertionError(f"the app exited ({self.proc.returncode}): {self.log_tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the window shows {state}")
            time.sleep(0.1)

    def wait_hears(self, freq_hz: float, timeout: float = 15.0) -> None:
        """Wait until the last half second written to the WAV is a tone of `freq_hz`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            end = duration_s(self.wav)
            if end > 0.6 and hears(self.wav, freq_hz, end - 0.5, end):
                return
            time.sleep(0.2)
        raise AssertionError(f"no {freq_hz} Hz tone in {self.wav} within {timeout} s")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- end ----------------------------------------------------------------------------
    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (SDL turns it into a quit: the app saves its prefs); the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        return self.proc.returncode
