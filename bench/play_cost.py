"""What headless playback costs: CPU, memory and disk of `onair play`, MP3 and AAC. JSON.

One Icecast bench (tests/support/icecast.py, 64 kbps MP3 and AAC tones); libvlc writes to
a WAV (ONAIR_AUDIO_FILE), as in every bench. For each codec, `onair play STATION` runs in
its own config and cache dirs; after BENCH_SETTLE_S (default 5 s) its CPU share of one core
(utime + stime of all its threads, /proc) is measured over BENCH_PHASE_S (default 30 s),
with its resident memory (VmRSS) at the end and the bytes its cache dir grew by meanwhile
(the catch-up buffer), given per hour.

`--compare REV` runs a git worktree of an older commit (before catch-up: a93783a) beside
this checkout, alternating, `--rounds` times, against the same Icecast server:

    python bench/play_cost.py --compare a93783a --rounds 3

Targets (issue 9): CPU at most 0.5 percentage points above the old code's, RSS at most
10 MB above.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.responsiveness import cpu_seconds, rss_mb, stop  # noqa: E402
from tests.support.audio import duration_s as audio_duration_s  # noqa: E402
from tests.support.checkout import checkout  # noqa: E402
from tests.support.icecast import IcecastBench  # noqa: E402

PHASE_S = float(os.environ.get("BENCH_PHASE_S", "30"))
SETTLE_S = float(os.environ.get("BENCH_SETTLE_S", "5"))
CODECS = {"mp3": "/a.mp3", "aac": "/a.aac"}


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def catalogue(bench: IcecastBench) -> dict:
    return {"stations": [{
        "id": codec, "name": f"Bench {codec.upper()}", "tagline": "", "city": "",
        "timezone": "UTC", "homepage": None, "logo": None,
        "streams": [{"url": bench.url(mount), "format": codec, "bitrate": 64}],
        "schedule": None, "news": None} for codec, mount in CODECS.items()],
        "newscast": None}


def play(repo: Path, catalogue_file: Path, station: str, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    wav, cache = folder / "out.wav", folder / "cache"
    env = dict(os.environ, ONAIR_CONFIG_DIR=str(folder / "config"), ONAIR_CACHE_DIR=str(cache),
               ONAIR_AUDIO_FILE=str(wav))
    with (folder / "play.log").open("wb") as err:
        proc = subprocess.Popen([sys.executable, str(repo / "main.py"), "--stations",
                                 str(catalogue_file), "play", station, "--seconds",
                                 str(PHASE_S + SETTLE_S + 30)], cwd=repo, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 30
        while audio_duration_s(wav) < 1.0:
            if proc.poll() is not None or time.monotonic() > deadline:
                return {"error": (folder / "play.log").read_text(errors="replace")[-300:]}
            time.sleep(0.1)
        time.sleep(SETTLE_S)
        c0, t0, d0 = cpu_seconds(proc.pid), time.monotonic(), folder_bytes(cache)
        time.sleep(PHASE_S)
        c1, t1, d1 = cpu_seconds(proc.pid), time.monotonic(), folder_bytes(cache)
        rss = rss_mb(proc.pid)
        return {"cpu_pct": round(100 * (c1 - c0) / (t1 - t0), 2), "rss_mb": round(rss, 1),
                "disk_mb_per_hour": round((d1 - d0) / (t1 - t0) * 3600 / 1e6, 1),
                "cache_mb_at_end": round(d1 / 1e6, 2)}
    finally:
        stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compare", metavar="REV", help="an older commit to run beside this one")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    result: dict = {"benchmark": "play_cost", "phase_s": PHASE_S, "old": args.compare}
    with tempfile.TemporaryDirectory(prefix="onair-bench-") as tmp, IcecastBench() as bench, \
            contextlib.ExitStack() as stack:
        root = Path(tmp)
        catalogue_file = root / "stations.json"
        catalogue_file.write_text(json.dumps(catalogue(bench)))
        repos = {"new": ROOT}
        if args.compare:
            repos = {"old": stack.enter_context(checkout(args.compare)), "new": ROOT}
        runs: dict = {name: {codec: [] for codec in CODECS} for name in repos}
        for i in range(args.rounds):
            for codec in CODECS:
                for name, repo in repos.items():
                    runs[name][codec].append(play(repo, catalogue_file, codec,
                                                  root / f"{name}-{codec}-{i}"))
        for name, by_codec in runs.items():
            result[name] = {codec: summary(r) for codec, r in by_codec.items()}
    print(json.dumps(result, indent=2))
    return 0


def summary(runs: list[dict]) -> dict:
    """Each figure's median over the rounds (and every run's, when there are several)."""
    good = [r for r in runs if "error" not in r]
    if not good:
        return runs[0]
    out = {k: statistics.median(r[k] for r in good) for k in good[0]}
    if len(runs) > 1:
        out["runs"] = runs
    return out


if __name__ == "__main__":
    sys.exit(main())
