"""Time to audio through the catch-up relay while 500 idle sockets hold it, against the same
action without them, in the same run.

Prints one JSON document. The player as the app builds it (PlayerController with catch-up:
StreamHolder and the loopback Relay) plays a local Icecast bench (tests/support/icecast.py)
into a WAV read every 0.5 ms (tests/support/tone_watch.py). Two actions, each ROUNDS times
with and ROUNDS times without idle sockets, interleaved so load hits both alike:
- resume: paused on station A (440 Hz), `resume()` plays the held stream through the relay
  from where it paused; time until the tone is heard again;
- switch: `play()` the other station (A 440 Hz <-> B 1000 Hz), held through the relay; time
  until the new tone is heard.
"With idle" opens IDLE connections to the relay that never send a byte just before the
action (they stay open on this side until the action is heard). The relay closes them
(player/relay_gate.py: the oldest past MAX_PENDING at once, the rest after HEAD_TIMEOUT_S).
Target (issue 14): the medians within 100 ms of each other.

Usage: .venv/bin/python bench/relay_idle.py [ROUNDS]
"""

from __future__ import annotations

import json
import os
import shutil
import socket
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

from kivy.clock import Clock  # noqa: E402

from infra.http import HttpClient  # noqa: E402
from infra.tasks import TaskRunner  # noqa: E402
from player.catchup import CatchUp  # noqa: E402
from player.controller import PlayerController  # noqa: E402
from player.holder import StreamHolder  # noqa: E402
from player.relay import Relay  # noqa: E402
from player.stations import Station, Stream  # noqa: E402
from player.vlc_backend import make_backend  # noqa: E402
from tests.support.icecast import IcecastBench  # noqa: E402
from tests.support.tone_watch import ToneWatcher  # noqa: E402

ROUNDS = 8
IDLE = 500
TONES = {"/a.mp3": 440, "/b.mp3": 1000}


def summary(values: list[float]) -> dict:
    ms = sorted(round(v * 1000, 1) for v in values)
    return {"median_ms": round(statistics.median(ms), 1), "min_ms": ms[0], "max_ms": ms[-1],
            "n": len(ms)}


def wait() -> None:
    Clock.tick()
    time.sleep(0.0005)


def settle(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        wait()


def station(bench: IcecastBench, mount: str) -> Station:
    return Station(mount, mount, "", "", "UTC", None, None, (Stream(bench.url(mount)),), None,
                   None)


def open_idle(port: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(IDLE)]


def measure(bench: IcecastBench, tmp: Path, rounds: int) -> dict:
    wav = tmp / "onair.wav"
    http, relay = HttpClient(tmp / "http"), Relay()
    holder = StreamHolder(http, tmp / "catchup", max_seconds=600, max_bytes=100 << 20)
    relay.start()
    ctl = PlayerController(make_backend(str(wav)), tasks=TaskRunner(),
                           catchup=CatchUp(holder, relay))
    watcher = ToneWatcher(wav)
    watcher.start()
    times: dict[str, dict[str, list[float]]] = {a: {"without": [], "with_idle": []}
                                                for a in ("resume", "switch")}
    mount = "/a.mp3"
    try:
        ctl.play(station(bench, mount))
        watcher.first(time.monotonic(), TONES[mount], wait, timeout=20)
        settle(3)
        for i in range(2 * rounds + 1):  # the first round warms up, uncounted
            way = "with_idle" if i % 2 else "without"
            ctl.pause()
            settle(1.0)
            idle = open_idle(relay.port) if way == "with_idle" else []
            t0 = time.monotonic()
            ctl.resume()
            heard = watcher.first(t0, TONES[mount], wait, timeout=20)
            if i:
                times["resume"][way].append(heard - t0)
            settle(1.5)
            for s in idle:
                s.close()
            mount = "/b.mp3" if mount == "/a.mp3" else "/a.mp3"
            idle = open_idle(relay.port) if way == "with_idle" else []
            t0 = time.monotonic()
            ctl.play(station(bench, mount))
            heard = watcher.first(t0, TONES[mount], wait, timeout=20)
            if i:
                times["switch"][way].append(heard - t0)
            settle(1.5)
            for s in idle:
                s.close()
    finally:
        watcher.stop()
        ctl.shutdown()
        relay.close()
        holder.close()
        http.close()
    out = {}
    for action, ways in times.items():
        out[action] = {way: summary(v) for way, v in ways.items()}
        out[action]["median_difference_ms"] = round(
            out[action]["with_idle"]["median_ms"] - out[action]["without"]["median_ms"], 1)
    return out


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else ROUNDS
    tmp = Path(tempfile.mkdtemp(prefix="onair-bench-"))
    try:
        with IcecastBench() as bench:
            time.sleep(9)  # the mounts on the air for a while: a full burst on connect
            report = {"bench": "relay_idle", "idle_sockets": IDLE, "rounds": rounds,
                      "measured": "resume()/play() -> the tone in libvlc's WAV (read every "
                                  "0.5 ms), with and without idle sockets to the relay",
                      "target": "with_idle within 100 ms of without (median)",
                      "time_to_audio": measure(bench, tmp, rounds)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
