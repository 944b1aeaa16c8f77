"""Switch-to-audio in the GUI by real key presses, with the metadata server answering and
with it hanging, in the same run (and with `--compare REV`, the app of that commit too).

Prints one JSON document. Four stations on one Icecast bench, tones alternating 440 /
1000 Hz. Their schedule, news, homepage and newscast point either at the demo metadata
server (answers at once) or at a server that accepts and never answers. The app runs as
`onair --stations FILE gui` does (tests/ui/app_process.py); each of SWITCHES Up/Down key
presses (xdotool) is timed until the new station's tone is appended to the app's WAV.
The target: hanging metadata adds no more than 100 ms.

    xvfb-run -a python bench/switch_gui.py [--compare ba5ee64] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.checkout import checkout  # noqa: E402
from tests.support.demo_data import DemoSite, make_media  # noqa: E402
from tests.support.icecast import IcecastBench  # noqa: E402
from tests.support.metadata_server import silent_server  # noqa: E402
from tests.support.tone_watch import ToneWatcher  # noqa: E402
from tests.ui.app_process import AppProcess  # noqa: E402

MOUNTS = ["/a.mp3", "/b.mp3", "/a.aac", "/b.aac"]  # 440, 1000, 440, 1000 Hz
KEYS = ["Down", "Down", "Down", "Up", "Up", "Up"] * 2
UCS = ["5187f4b3e1c8d1e2a3b4c5d6", "5187f4b3e1c8d1e2a3b4c5d7"]  # the demo site's two ids


def catalogue(bench: IcecastBench, base: str) -> dict:
    return {
        "stations": [{
            "id": f"s{i}", "name": f"Station {i}", "tagline": "", "city": "",
            "timezone": "America/Chicago", "homepage": f"{base}/",
            "streams": [{"url": bench.url(mount)}],
            "schedule": {"source": "composer", "ucs": UCS[i % 2], "base_url": f"{base}/v1"},
            "news": {"feed": f"{base}/news/{'demo-news' if i % 2 == 0 else 'demo-classical'}"
                             ".rss"},
        } for i, mount in enumerate(MOUNTS)],
        "newscast": {"feed": f"{base}/newscast.xml"},
    }


def run_app(repo: Path, bench: IcecastBench, base: str, folder: Path) -> list[float]:
    """Seconds from each key press to the new station's tone in the WAV."""
    folder.mkdir(parents=True)
    stations = folder / "stations.json"
    stations.write_text(json.dumps(catalogue(bench, base)))
    app = AppProcess(folder, stations, repo=repo)
    tones = {m.path: m.freq_hz for m in bench.mounts}
    times: list[float] = []
    try:
        app.wait_window()
        watcher = ToneWatcher(app.wav)
        watcher.start()
        app.key("space")
        watcher.first(time.monotonic() - 1, 440, lambda: time.sleep(0.01), timeout=15)
        index = 0
        for key in KEYS:
            index += 1 if key == "Down" else -1
            t0 = app.key_timed(key)
            heard = watcher.first(t0, tones[MOUNTS[index]], lambda: time.sleep(0.002),
                                  timeout=30)
            times.append(heard - t0)
            time.sleep(0.5)
        watcher.stop()
    finally:
        app.stop(timeout=30)
    return times


def summary(values: list[float]) -> dict:
    ms = sorted(v * 1000 for v in values)
    return {"median_ms": round(statistics.median(ms)), "p90_ms": round(ms[int(0.9 * len(ms))]),
            "max_ms": round(ms[-1]), "n": len(ms)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compare", metavar="REV")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    repos = {"new": ROOT}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="onair-switch-")))
        if args.compare:
            repos[f"old {args.compare}"] = stack.enter_context(checkout(args.compare))
        media = folder / "media"
        media.mkdir()
        make_media(media)
        results: dict[str, dict[str, list[float]]] = {
            label: {"answering": [], "hanging": []} for label in repos}
        bench = stack.enter_context(IcecastBench())
        site = DemoSite(media).start()
        stack.callback(site.close)
        hung = stack.enter_context(silent_server())
        n = 0
        for _ in range(args.rounds):  # interleaved: the machine's noise hits all alike
            for label, repo in repos.items():
                for mode, base in (("answering", site.base_url), ("hanging", hung)):
                    n += 1
                    results[label][mode] += run_app(repo, bench, base, folder / f"r{n}")
        report: dict = {"bench": "switch_gui", "switches_per_run": len(KEYS),
                        "measured": "key press (xdotool) -> new station's tone in the WAV"}
        for label, modes in results.items():
            report[label] = {mode: summary(v) for mode, v in modes.items()}
            report[label]["hanging_minus_answering_median_ms"] = (
                report[label]["hanging"]["median_ms"] - report[label]["answering"]["median_ms"])
        report["target_difference_ms"] = 100
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
