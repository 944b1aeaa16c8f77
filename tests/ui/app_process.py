"""The On Air app as a separate process, driven by real X input (xdotool), for e2e tests.

Started like `onair --stations FILE gui` on the test's X display (xvfb-run), with
its config, cache and WAV output in a temp folder. What the window shows is read
from the small JSON file the app writes when ONAIR_DEBUG_STATE_FILE is set (see
ui/debug_state.py); screenshots come from ImageMagick's `import`.

Window-manager helpers (also used by bench/cpu_visibility.py): `WindowManager` runs
openbox on the display, `CoveringWindow` is a plain X client (xmessage) laid over the
whole screen, and `minimize`/`restore`/`map_state` act on an X window id with xdotool.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from tests.support.audio import duration_s, hears
from tests.support.processes import stop_process

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


class AppProcess:
    def __init__(self, folder: Path, stations_file: Path, repo: Path = REPO, *,
                 env: Mapping[str, str | None] | None = None) -> None:
        """`repo`: the checkout whose main.py runs (benchmarks run an older commit too).
        `env`: more variables for the app, applied last; None removes one (e.g.
        `{"ONAIR_AUDIO_FILE": None, "PULSE_SERVER": ...}` plays to a PulseAudio server)."""
        self.folder = folder
        self.wav = folder / "out.wav"
        self.state_file = folder / "state.json"
        self.state_file.unlink(missing_ok=True)  # a restart: not the last window's last words
        self.log = folder / "app.log"
        extra, env = env, dict(os.environ)
        env.update({
            "ONAIR_CONFIG_DIR": str(folder / "config"), "ONAIR_CACHE_DIR": str(folder / "cache"),
            "ONAIR_AUDIO_FILE": str(self.wav), "ONAIR_DEBUG_STATE_FILE": str(self.state_file),
            "KIVY_NO_ARGS": "1", "KIVY_HOME": str(folder / "kivy"),
        })
        env.pop("KIVY_NO_FILELOG", None)
        for name, value in (extra or {}).items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        self._log = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, str(repo / "main.py"), "--stations", str(stations_file), "gui"],
            cwd=repo, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
            stderr=subprocess.STDOUT)
        self.window = ""

    # -- window -------------------------------------------------------------------------
    def wait_window(self, timeout: float = 30.0) -> None:
        """Wait for the window to be drawn (its first state file) and find its X id.

        SDL stores the title as a UTF-8 WM_NAME that `xdotool search --name` does not
        match, so the window is found by the app's process id (the test process may
        have a Kivy window of its own on the same display)."""
        self.wait(lambda s: s.get("drawn"), timeout, "the first drawn frame")
        self.window = find_window(self.proc.pid, timeout)
        title = subprocess.run(["xprop", "-id", self.window, "_NET_WM_NAME"],
                               capture_output=True, text=True, timeout=10).stdout
        assert '"On Air"' in title, title

    def key(self, *names: str) -> None:
        """Real X key presses (XTEST) into the focused app window."""
        subprocess.run(["xdotool", "windowfocus", "--sync", self.window], check=True,
                       timeout=10)
        subprocess.run(["xdotool", "key", "--delay", "80", *names], check=True, timeout=10)

    def key_timed(self, name: str) -> float:
        """One real key press; the monotonic time just before it was sent (the window is
        focused first, so the time counts from the key alone)."""
        subprocess.run(["xdotool", "windowfocus", "--sync", self.window], check=True,
                       timeout=10)
        sent = time.monotonic()
        subprocess.run(["xdotool", "key", name], check=True, timeout=10)
        return sent

    def click(self, control: str) -> None:
        """A real mouse click (XTEST) on a control the app reports under "controls"."""
        state = self.wait(lambda s: control in s.get("controls", {}), what=f"{control} shown")
        x, y = state["controls"][control]
        subprocess.run(["xdotool", "mousemove", "--window", self.window, "--sync", str(x),
                        str(y), "click", "1"], check=True, timeout=10)

    def minimize(self) -> None:
        minimize(self.window)

    def restore(self) -> None:
        restore(self.window)

    def screenshot_screen(self, name: str) -> Path:
        """The whole screen (`import -window root`): what is really shown, cover and all."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], check=True, timeout=30)
        return path

    def cpu_seconds(self) -> float:
        """CPU time (user + system, all threads) the app has used so far."""
        return process_cpu_s(self.proc.pid)

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


# -- the X display: window manager, covering window, window states -------------------------
def _x(*args: str, timeout: float = 10.0) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                          check=True).stdout


def find_window(pid: int, timeout: float = 30.0) -> str:
    """The X id of the (last) window of process `pid` (`xdotool search --sync` waits)."""
    return _x("xdotool", "search", "--sync", "--pid", str(pid), timeout=timeout).split()[-1]


def map_state(window: str) -> str:
    """"IsViewable", "IsUnMapped" or "IsUnviewable" (xwininfo's Map State)."""
    for line in _x("xwininfo", "-id", window).splitlines():
        if "Map State:" in line:
            return line.split(":", 1)[1].strip()
    return ""


def geometry(window: str) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the window's inside, in screen pixels."""
    info = dict(line.strip().split(":", 1) for line in _x("xwininfo", "-id", window).splitlines()
                if line.count(":") == 1)
    return tuple(int(info[k]) for k in ("Absolute upper-left X", "Absolute upper-left Y",
                                        "Width", "Height"))  # type: ignore[return-value]


def minimize(window: str) -> None:
    """Iconify through the window manager (WM_CHANGE_STATE); returns once unmapped."""
    _x("xdotool", "windowminimize", "--sync", window)


def restore(window: str) -> None:
    """Bring the window back (_NET_ACTIVE_WINDOW: the manager maps and raises it)."""
    _x("xdotool", "windowactivate", "--sync", window)


def process_cpu_s(pid: int) -> float:
    """utime + stime of process `pid` (all its threads), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wm_running() -> bool:
    out = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], capture_output=True,
                         text=True, timeout=10).stdout
    if "window id #" not in out:
        return False
    check = out.split("#", 1)[1].split()[0]
    return subprocess.run(["xwininfo", "-id", check], capture_output=True,
                          timeout=10).returncode == 0


class WindowManager:
    """openbox on $DISPLAY (minimize and restore need a window manager); a manager that is
    already running there is used as it is and left running."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self._said = b""

    def __enter__(self) -> WindowManager:
        # Xvfb resets when its last client leaves (xvfb-run passes no -noreset), and a
        # client connecting during the reset is refused: openbox then exits at once, so it
        # is tried again.
        for _ in range(5):
            if _wm_running() or self._start():
                return self
            time.sleep(0.3)
        raise RuntimeError(f"openbox did not start on {os.environ.get('DISPLAY')}: "
                           f"{self._said!r}")

    def _start(self) -> bool:
        with tempfile.TemporaryFile() as log:
            self.proc = subprocess.Popen(["openbox", "--sm-disable"], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=log)
            deadline = time.monotonic() + 15
            while not _wm_running():
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    log.seek(0)
                    self._said = log.read()[-300:]
                    return False
                time.sleep(0.05)
        return True

    def __exit__(self, *_exc: object) -> None:
        stop_process(self.proc)
        self.proc = None


class CoveringWindow:
    """Another X client's window (xmessage) over the whole screen, raised on top."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.window = ""

    def __enter__(self) -> CoveringWindow:
        geometry = _x("xdotool", "getdisplaygeometry").split()
        width, height = (int(v) + 200 for v in geometry)  # past the edges, frame and all
        name = f"onair-cover-{os.getpid()}"  # xmessage sets no _NET_WM_PID: found by name
        self.proc = subprocess.Popen(
            ["xmessage", "-name", name, "-geometry", f"{width}x{height}+0+0", "covering"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.window = _x("xdotool", "search", "--sync", "--classname", name,
                         timeout=30).split()[-1]
        _x("xdotool", "windowmove", "--sync", self.window, "0", "0")
        _x("xdotool", "windowsize", "--sync", self.window, str(width), str(height))
        _x("xdotool", "windowraise", self.window)
        return self

    def __exit__(self, *_exc: object) -> None:
        stop_process(self.proc)
        self.proc = None
