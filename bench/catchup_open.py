"""First audio through the catch-up relay against libvlc opening the station directly.

Prints one JSON document. Against a local Icecast bench (tests/support/icecast.py), for MP3
and ADTS AAC, RUNS runs of each way, interleaved so load hits all alike:
- direct: VlcBackend opens the station's URL (icyx://, as the player does without catch-up);
- relay_switch: a new StreamReader starts and libvlc opens its relay URL at the same instant
  (a switch to a station with catch-up: connect, first frames held, relay, libvlc);
- relay_held: the reader already holds the stream; libvlc opens the relay URL live (a resume
  or a seek).
Each time is from just before the open until the first audio in libvlc's WAV (read every
0.5 ms by tests/support/tone_watch.py). A fresh libvlc instance per run, made beforehand.

Usage: .venv/bin/python bench/catchup_open.py [RUNS]
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KIVY_NO_ARGS", "1")

from infra.http import HttpClient  # noqa: E402
from player.relay import Relay  # noqa: E402
from player.stream_reader import StreamReader  # noqa: E402
from player.vlc_backend import make_backend  # noqa: E402
from tests.support.icecast import IcecastBench  # noqa: E402
from tests.support.tone_watch import ToneWatcher  # noqa: E402

RUNS = 10
MOUNTS = {"mp3": ("/a.mp3", "/b.mp3"), "aac": ("/a.aac", "/b.aac")}
WAYS = ("direct", "relay_switch", "relay_held")


def first_audio(wav: Path, open_url, before=None) -> float:
    """Seconds from the open until libvlc's first audio in `wav`."""
    backend = make_backend(str(wav))
    watcher = ToneWatcher(wav)
    watcher.start()
    try:
        t0 = time.monotonic()
        if before is not None:
            before()
        backend.open(open_url(), live=True)
        backend.play()
        return watcher.first(t0, None, lambda: time.sleep(0.001), timeout=15) - t0
    finally:
        watcher.stop()
        backend.shutdown()


def summary(values: list[float]) -> dict:
    ms = sorted(round(v * 1000, 1) for v in values)
    return {"median_ms": round(statistics.median(ms), 1), "max_ms": ms[-1], "min_ms": ms[0],
            "n": len(ms)}


def measure(bench: IcecastBench, tmp: Path, runs: int) -> dict:
    http = HttpClient(tmp / "cache")
    relay = Relay()
    relay.start()
    times: dict[str, dict[str, list[float]]] = {c: {w: [] for w in WAYS} for c in MOUNTS}

    def reader(url: str) -> StreamReader:
        return StreamReader(url, http, tmp / "buffers", max_seconds=600, max_bytes=50_000_000)

    held = {c: reader(bench.url(m[0])) for c, m in MOUNTS.items()}
    for r in held.values():
        r.start()
        r.wait_ready(10)
    try:
        for i in range(runs):
            for codec, mounts in MOUNTS.items():
                url = bench.url(mounts[i % 2])
                wav = tmp / f"{codec}-{i}"
                times[codec]["direct"].append(first_audio(wav.with_suffix(".d.wav"),
                                                          lambda u=url: u))
                fresh = reader(url)
                times[codec]["relay_switch"].append(first_audio(
                    wav.with_suffix(".s.wav"), lambda r=fresh: relay.url_for(r), fresh.start))
                fresh.stop()
                fresh.buffer.close()
                times[codec]["relay_held"].append(first_audio(
                    wav.with_suffix(".h.wav"), lambda r=held[codec]: relay.url_for(r)))
    finally:
        for r in held.values():
            r.stop()
            if r.buffer is not None:
                r.buffer.close()
        relay.close()
        http.close()
    return {codec: {way: summary(v) for way, v in ways.items()} for codec, ways in times.items()}


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    tmp = Path(tempfile.mkdtemp(prefix="onair-bench-"))
    try:
        with IcecastBench() as bench:
            time.sleep(9)  # the mounts on the air for a while: a full 64 KiB burst on connect
            report = {"bench": "catchup_open",
                      "measured": "open -> first audio in libvlc's WAV (read every 0.5 ms)",
                      "runs": runs, "first_audio": measure(bench, tmp, runs)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
