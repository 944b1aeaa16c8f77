"""CPU while playing: the window visible, minimized, covered, restored, and headless. JSON.

One Icecast bench (tests/support/icecast.py) and the demo metadata server; libvlc writes
to a WAV in every case (ONAIR_AUDIO_FILE), so the audio work is the same. Under openbox
on the bench's X display (scripts/bench.sh runs it in xvfb-run):

- the GUI (`onair gui`, autoplay, no debug state file) plays the first station; its CPU
  share of one core (utime + stime of all threads, /proc) is measured for BENCH_PHASE_S
  seconds (default 20) in each state: visible, minimized (xdotool windowminimize),
  visible again (xdotool windowactivate), covered by another client's window over the
  whole screen (xmessage), and uncovered;
- headless `onair play` of the same station, measured the same way.

Target: minimized and covered within 0.5 percentage points of headless.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.responsiveness import attempt, cpu_seconds, start_app, stop  # noqa: E402
from tests.support.audio import duration_s as audio_duration_s  # noqa: E402
from tests.support.demo_data import STATIONS, DemoSite, demo_catalogue, make_media  # noqa: E402
from tests.support.icecast import IcecastBench  # noqa: E402
from tests.ui.app_process import (  # noqa: E402
    CoveringWindow,
    WindowManager,
    find_window,
    minimize,
    restore,
)

PHASE_S = float(os.environ.get("BENCH_PHASE_S", "20"))
SETTLE_S = 2.0  # after each change of state, before measuring
TARGET_PP = 0.5


def wait_audio(proc: subprocess.Popen, wav: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while audio_duration_s(wav) < 1.0:
        if proc.poll() is not None:
            raise RuntimeError(f"it exited with {proc.returncode} before any audio")
        if time.monotonic() > deadline:
            raise RuntimeError(f"no audio within {timeout:.0f} s")
        time.sleep(0.1)


def measure(proc: subprocess.Popen, wav: Path) -> dict:
    """CPU share of one core over PHASE_S, after SETTLE_S; the audio written meanwhile."""
    time.sleep(SETTLE_S)
    c0, t0, a0 = cpu_seconds(proc.pid), time.monotonic(), audio_duration_s(wav)
    time.sleep(PHASE_S)
    c1, t1, a1 = cpu_seconds(proc.pid), time.monotonic(), audio_duration_s(wav)
    if proc.poll() is not None:
        raise RuntimeError(f"the app exited with {proc.returncode}")
    return {"cpu_pct": round(100 * (c1 - c0) / (t1 - t0), 2),
            "audio_written_s": round(a1 - a0, 1)}


def gui(catalogue_file: Path, folder: Path) -> dict:
    prefs = folder / "config" / "prefs.json"
    prefs.parent.mkdir(parents=True, exist_ok=True)
    prefs.write_text(json.dumps({"autoplay": True}))
    wav = folder / "out.wav"
    proc = start_app(folder, catalogue_file, None)
    try:
        wait_audio(proc, wav)
        window = find_window(proc.pid)
        time.sleep(SETTLE_S)  # start-up work (fetches, logos) settles
        phases: list[tuple[str, Callable[[], object]]] = [
            ("visible", lambda: None), ("minimized", lambda: minimize(window)),
            ("restored", lambda: restore(window))]
        result = {}
        for name, act in phases:
            act()
            result[name] = measure(proc, wav)
        with CoveringWindow():
            result["covered"] = measure(proc, wav)
        result["uncovered"] = measure(proc, wav)
        return result
    finally:
        stop(proc)


def headless(catalogue_file: Path, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    wav, log = folder / "out.wav", folder / "play.log"
    env = dict(os.environ, ONAIR_CONFIG_DIR=str(folder / "config"),
               ONAIR_CACHE_DIR=str(folder / "cache"), ONAIR_AUDIO_FILE=str(wav))
    seconds = PHASE_S + 4 * SETTLE_S + 30
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--stations",
                                 str(catalogue_file), "play", STATIONS[0].id, "--seconds",
                                 str(seconds)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_audio(proc, wav)
        return measure(proc, wav)
    except RuntimeError as failure:
        raise RuntimeError(f"{failure}: {log.read_text(errors='replace')[-300:]}") from None
    finally:
        stop(proc)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="onair-bench-") as tmp, IcecastBench() as bench, \
            WindowManager():
        root = Path(tmp)
        make_media(root / "media")
        site = DemoSite(root / "media").start()
        try:
            catalogue_file = root / "stations.json"
            catalogue_file.write_text(json.dumps(demo_catalogue(site, bench.url,
                                                                root / "media")))
            result: dict = {"benchmark": "cpu_visibility", "phase_s": PHASE_S,
                            "target_pp_over_headless": TARGET_PP}
            result["gui"] = attempt(gui, catalogue_file, root / "gui")
            result["headless_play"] = attempt(headless, catalogue_file, root / "headless")
        finally:
            site.close()
    base = result["headless_play"].get("cpu_pct")
    if base is not None and "error" not in result["gui"]:
        result["pp_over_headless"] = {name: round(phase["cpu_pct"] - base, 2)
                                      for name, phase in result["gui"].items()}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
