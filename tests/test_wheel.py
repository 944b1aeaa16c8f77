"""The wheel as a user installs it: built, pip-installed into a fresh venv, run from elsewhere.

Slow (a wheel build, a venv, a real Icecast server and a GUI start): marked `slow`.
The fresh venv gets no copy of the dependencies: one .pth line adds this venv's
site-packages to its sys.path. Python reads .pth files only in site dirs, not in a
folder that a .pth line added, so this venv's editable-install finder never loads:
`onair`, its packages and its assets come from the wheel or not at all. Every command
runs with its cwd in a temp folder, far from the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.audio import duration_s, hears
from tests.support.icecast import IcecastBench
from tests.support.repo import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# What a source distribution would not carry either; the rest is copied and built.
_NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "tests", "test-artifacts", "bench",
                                      "build", "dist", "*.egg-info", "__pycache__", ".*cache",
                                      ".hypothesis")
_PROBE = """
import json, main, player, ui.app
from player.catalogue import DEFAULT_FILE, load_catalogue, logo_path
from infra.paths import Paths
kcur = load_catalogue(None, Paths.from_env()).get("kcur")
print(json.dumps({"main": main.__file__, "player": player.__file__, "ui": ui.app.__file__,
                  "app.kv": ui.app._KV, "catalogue": str(DEFAULT_FILE),
                  "logo": str(logo_path(kcur))}))
"""


@dataclass(frozen=True)
class Installed:
    venv: Path
    site: Path  # the fresh venv's site-packages: where the wheel went

    @property
    def onair(self) -> str:
        return str(self.venv / "bin" / "onair")


def _run(cmd: list[str], timeout: float = 240, **kw) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    assert r.returncode == 0, f"{cmd[:4]} exited {r.returncode}:\n{r.stdout}\n{r.stderr}"
    return r


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources.
    src = root / "src"
    shutil.copytree(REPO_ROOT, src, ignore=_NOT_SOURCES)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
          "--no-index", "-w", str(root / "dist"), str(src)])
    (wheel,) = (root / "dist").glob("onair-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = str(venv / "bin" / "python")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .stdout.strip())
    # The wheel first, the .pth after: pip must not see (nor touch) this venv's editable onair.
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
          "--no-index", str(wheel)])
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "onair-test-deps.pth").write_text("".join(f"{p}\n" for p in sorted(ours)))
    return Installed(venv, site)


def user_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell, with On Air's folders in `folder`."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "ONAIR_STATIONS",
                        "ONAIR_AUDIO_FILE", "ONAIR_DEBUG_STATE_FILE")}
    env.update(ONAIR_CONFIG_DIR=str(folder / "config"), ONAIR_CACHE_DIR=str(folder / "cache"),
               KIVY_HOME=str(folder / "kivy"), **extra)
    return env


def loopback_catalogue(folder: Path, stream_url: str) -> Path:
    """KCUR with the shipped catalogue's logo path and a loopback stream; no guide, no news."""
    path = folder / "stations.json"
    path.write_text(json.dumps({"stations": [{
        "id": "kcur", "name": "KCUR 89.3", "tagline": "NPR in Kansas City",
        "city": "Kansas City, MO", "timezone": "America/Chicago", "homepage": None,
        "logo": "assets/logos/kcur.png", "streams": [{"url": stream_url}],
        "schedule": None, "news": None}]}))
    return path


def test_the_code_and_the_catalogue_come_from_the_installed_wheel(installed: Installed,
                                                                   tmp_path: Path) -> None:
    r = _run([str(installed.venv / "bin" / "python"), "-c", _PROBE], cwd=tmp_path,
             env=user_env(tmp_path))
    where = {name: Path(p) for name, p in json.loads(r.stdout).items()}
    for name, path in where.items():
        assert path.is_file() and path.is_relative_to(installed.site), (name, path)
    assert where["catalogue"] == installed.site / "onair_assets" / "stations.json"
    assert where["logo"] == installed.site / "onair_assets" / "logos" / "kcur.png"


def test_stations_json_lists_kcur_with_an_installed_logo(installed: Installed,
                                                          tmp_path: Path) -> None:
    r = _run([installed.onair, "stations", "--json"], cwd=tmp_path, env=user_env(tmp_path))
    kcur = next(s for s in json.loads(r.stdout)["stations"] if s["id"] == "kcur")
    logo = Path(kcur["logo"])  # absolute, in the installed assets, whatever the directory
    assert kcur["name"] == "KCUR 89.3" and logo.is_absolute() and logo.is_file()
    assert logo == (installed.site / "onair_assets" / "logos" / "kcur.png").resolve()


@pytest.mark.icecast
def test_play_writes_the_streams_tone(installed: Installed, bench: IcecastBench,
                                      tmp_path: Path) -> None:
    wav = tmp_path / "play.wav"
    r = _run([installed.onair, "play", bench.url("/a.mp3"), "--seconds", "2"], cwd=tmp_path,
             env=user_env(tmp_path, ONAIR_AUDIO_FILE=str(wav)), stdin=subprocess.DEVNULL)
    assert r.stdout.splitlines()[-1].endswith("stopped after 2.0 s of audio"), r.stdout
    assert duration_s(wav) >= 1.5
    assert hears(wav, bench.mount("/a.mp3").freq_hz, 0.5)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _wait_for_window(proc: subprocess.Popen[bytes], state_file: Path, log: Path) -> dict:
    """The app's first state with a drawn frame and KCUR in its station list."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = _read_json(state_file)
        if state.get("drawn") and "KCUR 89.3" in state.get("sections", {}).get("stations", []):
            return state
        if proc.poll() is not None:
            pytest.fail(f"onair exited {proc.returncode}:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    pytest.fail(f"no drawn window listing KCUR; last state {_read_json(state_file)}")


@pytest.mark.gui
@pytest.mark.e2e
@pytest.mark.icecast
def test_gui_comes_up_with_kcur_and_its_logo(installed: Installed, bench: IcecastBench,
                                             tmp_path: Path) -> None:
    assert os.environ.get("DISPLAY"), "the GUI test needs an X display (run under xvfb-run)"
    state_file, log = tmp_path / "state.json", tmp_path / "app.log"
    env = user_env(tmp_path, ONAIR_AUDIO_FILE=str(tmp_path / "gui.wav"),
                   ONAIR_DEBUG_STATE_FILE=str(state_file), KIVY_NO_ARGS="1",
                   KCFG_KIVY_LOG_LEVEL="debug")  # Kivy logs each image file it loads
    env.pop("KIVY_NO_FILELOG", None)  # onair keeps Kivy off the console: its log file
    stations = loopback_catalogue(tmp_path, bench.url("/b.aac"))
    with open(log, "wb") as out:
        proc = subprocess.Popen([installed.onair, "--stations", str(stations)], cwd=tmp_path,
                                env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
        try:
            _wait_for_window(proc, state_file, log)
            window = _run(["xdotool", "search", "--sync", "--pid", str(proc.pid)],
                          timeout=30).stdout.split()[-1]
            title = _run(["xprop", "-id", window, "_NET_WM_NAME"], timeout=10).stdout
            assert '"On Air"' in title, title
            ARTIFACTS.mkdir(exist_ok=True)
            _run(["import", "-window", window, str(ARTIFACTS / "wheel-gui.png")], timeout=30)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                raise
    text = "".join(p.read_text(errors="replace") for p in [
        log, *sorted((tmp_path / "kivy" / "logs").glob("*.txt"))])
    logo = installed.site / "onair_assets" / "logos" / "kcur.png"
    assert f"Load <{logo}>" in text, text[-3000:]
    problems = [line for line in text.splitlines()
                if "[ERROR" in line or "Traceback" in line or "Not found" in line
                or "Unable to load" in line or "No such file" in line]
    assert not problems, "\n".join(problems)
    assert code == 0, text[-3000:]
