"""What headless playback costs: CPU, memory and disk of `onair play`, MP3 and AAC. JSON.

One Icecast bench (tests/support/icecast.py, 64 kbps MP3 and AAC tones); libvlc writes to
a WAV (ONAIR_AUDIO_FILE), as in every bench. For each codec, `onair play STATION` runs in
its own config and cache dirs; after BENCH_SETTLE_S (default 5 s) its CPU share of one core
(utime + stime of all its threads, /proc) is measured over BENCH_PHASE_S (default 30 s),
with its resident memory (VmRSS) at the end and the bytes its cache dir grew by meanwhile
(the catch-up buffer), given per hour.

Run it through bench/compare.py to see a commit before catch-up beside this one:

    python bench/compare.py a93783a play_cost

Targets (issue 9): CPU at most 0.5 percentage points above the old code's, RSS at most
10 MB above.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.responsiveness import cpu_seconds, rss_mb, stop  # noqa: E402
from tests.support.audio import duration_s as audio_duration_s  # noqa: E402
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


def play(catalogue_file: Path, station: str, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    wav, cache = folder / "out.wav", folder / "cache"
    env = dict(os.environ, ONAIR_CONFIG_DIR=str(folder / "config"), ONAIR_CACHE_DIR=str(cache),
               ONAIR_AUDIO_FILE=str(wav))
    with (folder / "play.log").open("wb") as err:
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--stations",
                                 str(catalogue_file), "play", station, "--seconds",
                                 str(PHASE_S + SETTLE_S + 30)], cwd=ROOT, env=env,
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
    result: dict = {"benchmark": "play_cost", "phase_s": PHASE_S}
    with tempfile.TemporaryDirectory(prefix="onair-bench-") as tmp, IcecastBench() as bench:
        root = Path(tmp)
        catalogue_file = root / "stations.json"
        catalogue_file.write_text(json.dumps(catalogue(bench)))
        for codec in CODECS:
            result[codec] = play(catalogue_file, codec, root / codec)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
