"""The tail of station switches: N switches alternating MP3 and AAC, none over 1.5 s (issue 9).

Prints one JSON document. Against a local Icecast bench (tests/support/icecast.py), the
player controller switches back and forth between /a.mp3 (440 Hz) and /b.aac (1000 Hz),
as the app does (with catch-up: a stream reader, libvlc on the loopback relay), and, for
comparison, with libvlc opening the stations itself (`direct`, the app before catch-up,
where an ADTS stream joined mid-frame could stay silent until the 2.5 s open timeout).
Each switch is timed from PlayerController.play() until the new station's tone is first
appended to libvlc's WAV (tests/support/tone_watch.py, read every 0.5 ms).

Usage: .venv/bin/python bench/switch_tail.py [N]   (N switches per way, default 100)
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
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

from infra.tasks import TaskRunner  # noqa: E402
from tests.support.icecast import IcecastBench  # noqa: E402
from tests.support.tone_watch import ToneWatcher  # noqa: E402

LIMIT_S = 1.5
MOUNTS = ("/a.mp3", "/b.aac")


def run(bench: IcecastBench, tmp: Path, n: int, *, catchup: bool) -> dict:
    from kivy.clock import Clock

    from infra.http import HttpClient
    from player.catchup import CatchUp
    from player.controller import PlayerController
    from player.holder import StreamHolder
    from player.relay import Relay
    from player.stations import Station, Stream
    from player.vlc_backend import make_backend

    wav = tmp / f"tail-{catchup}.wav"
    http, relay = HttpClient(tmp / "http"), Relay()
    holder = StreamHolder(http, tmp / "catchup", max_seconds=7200, max_bytes=200 << 20)
    relay.start()
    ctl = PlayerController(make_backend(str(wav)), tasks=TaskRunner(),
                           catchup=CatchUp(holder, relay) if catchup else None)
    tones = {m.path: m.freq_hz for m in bench.mounts}
    watcher = ToneWatcher(wav)
    watcher.start()
    times: list[float] = []
    try:
        for i in range(n + 1):  # the first is a warm-up
            mount = MOUNTS[i % 2]
            t0 = time.monotonic()
            ctl.play(Station(mount, mount, "", "", "UTC", None, None, (Stream(bench.url(mount)),),
                             None, None))
            heard = watcher.first(t0, tones[mount], Clock.tick, timeout=15)
            if i:
                times.append(heard - t0)
            settle = time.monotonic() + 0.5
            while time.monotonic() < settle:
                Clock.tick()
    finally:
        watcher.stop()
        ctl.shutdown()
        relay.close()
        holder.close()
        http.close()
    ms = sorted(t * 1000 for t in times)
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 1),
            "p90_ms": round(ms[int(0.9 * (len(ms) - 1))], 1), "max_ms": round(ms[-1], 1),
            "over_1500_ms": sum(1 for t in times if t > LIMIT_S)}


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    tmp = Path(tempfile.mkdtemp(prefix="onair-tail-"))
    try:
        with IcecastBench() as bench:
            report = {"bench": "switch_tail",
                      "measured": "PlayerController.play() -> the new station's tone first in "
                                  "libvlc's WAV; switches alternate /a.mp3 and /b.aac",
                      "limit_ms": LIMIT_S * 1000,
                      "catchup": run(bench, tmp, n, catchup=True),
                      "direct": run(bench, tmp, n, catchup=False)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
