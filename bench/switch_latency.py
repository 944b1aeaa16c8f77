"""Station switch latency against the floor, mpv and cvlc; cold start; CPU and RSS.

Prints one JSON document. Everything runs against a local Icecast bench
(tests/support/icecast.py) in the same run. Stations alternate between a 440 Hz
and a 1000 Hz tone, so "first audio of the new station" is found by listening:
each player writes 16-bit WAV (On Air and cvlc through libvlc's afile output,
mpv through `--ao=pcm`), a watcher thread reads what is appended every 0.5 ms
and notes when the new station's tone first appears.

- floor: a raw socket to the same mount, started at the same instant as each
  switch; time until its first audio byte after the HTTP headers;
- switch: from the switch request until the new tone is in the WAV, over
  SWITCHES switches after one warm-up: On Air through PlayerController.play()
  (resolver on a worker thread, hop back to the Kivy clock, libvlc open; with catch-up
  as the app plays: a stream reader and libvlc on the loopback relay; `_direct`: libvlc
  opening the station itself, as before catch-up), mpv
  with `loadfile` over its IPC socket, cvlc (as `nobody`: it refuses root) with
  `add` on its rc interface;
- cold start: process start until the first audio in the output file;
- `onair play URL --seconds 30`: CPU share of one core and RSS while playing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from infra.tasks import TaskRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

from tests.support.icecast import IcecastBench  # noqa: E402
from tests.support.processes import stop_process  # noqa: E402
from tests.support.tone_watch import ToneWatcher  # noqa: E402

SWITCHES = 12
COLD_RUNS = 5
ORDER = ["/b.aac", "/a.mp3", "/b.mp3", "/a.aac"]  # tones alternate: 1000, 440, 1000, 440 Hz


def first_byte_at(bench: IcecastBench, mount: str) -> float:
    """Connect now; the monotonic time the first audio byte after the headers arrives."""
    with socket.create_connection(("127.0.0.1", bench.port), timeout=5) as s:
        s.sendall(f"GET {mount} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        buf = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError(f"{mount}: closed before audio")
            buf += chunk
            end = buf.find(b"\r\n\r\n")
            if end >= 0 and len(buf) > end + 4:
                return time.monotonic()


class PairedFloor(threading.Thread):
    """A raw-socket listener started at the same instant as a switch, to the same mount."""

    def __init__(self, bench: IcecastBench, mount: str) -> None:
        super().__init__(daemon=True)
        self.bench, self.mount, self.at = bench, mount, 0.0

    def run(self) -> None:
        self.at = first_byte_at(self.bench, self.mount)


def summary(values: list[float]) -> dict:
    ms = [v * 1000 for v in values]
    return {"median_ms": round(statistics.median(ms), 1), "min_ms": round(min(ms), 1),
            "max_ms": round(max(ms), 1), "n": len(ms)}


def switches(bench: IcecastBench, wav: Path, switch: Callable[[str], None],
             wait: Callable[[], None], order: list[str] = ORDER) -> dict:
    """Run SWITCHES+1 switches (the first is a warm-up) to the mounts of `order` in turn
    (tones alternating), each paired with a floor."""
    tones = {m.path: m.freq_hz for m in bench.mounts}
    watcher = ToneWatcher(wav)
    watcher.start()
    latency, floor = [], []
    try:
        for i in range(SWITCHES + 1):
            mount = order[i % len(order)]
            paired = PairedFloor(bench, mount)
            t0 = time.monotonic()
            paired.start()
            switch(mount)
            heard = watcher.first(t0, tones[mount], wait)
            paired.join(10)
            if i:
                latency.append(heard - t0)
                floor.append(paired.at - t0)
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                wait()
    finally:
        watcher.stop()
    return {"latency": summary(latency), "paired_floor": summary(floor),
            "median_minus_floor_ms": round(1000 * statistics.median(
                a - b for a, b in zip(latency, floor, strict=True)), 1)}


def switch_onair(bench: IcecastBench, tmp: Path, *, catchup: bool = True,
                 order: list[str] = ORDER) -> dict:
    """As the app switches: with catch-up (the stream held by a reader, libvlc on the
    relay), or `catchup=False` libvlc opening the station itself (the app before it)."""
    from kivy.clock import Clock

    from infra.http import HttpClient
    from player.catchup import CatchUp
    from player.controller import PlayerController
    from player.holder import StreamHolder
    from player.relay import Relay
    from player.stations import Station, Stream
    from player.vlc_backend import make_backend

    wav = tmp / f"onair-{catchup}.wav"
    http, relay = HttpClient(tmp / "http"), Relay()
    holder = StreamHolder(http, tmp / "catchup", max_seconds=7200, max_bytes=200 << 20)
    relay.start()
    ctl = PlayerController(make_backend(str(wav)), tasks=TaskRunner(),
                           catchup=CatchUp(holder, relay) if catchup else None)
    try:
        return switches(bench, wav, lambda m: ctl.play(Station(
            m, m, "", "", "UTC", None, None, (Stream(bench.url(m)),), None, None)), Clock.tick,
            order)
    finally:
        ctl.shutdown()
        relay.close()
        holder.close()
        http.close()


def pause() -> None:
    time.sleep(0.001)


def switch_mpv(bench: IcecastBench, tmp: Path) -> dict | str:
    if not shutil.which("mpv"):
        return "not installed"
    wav, sock_path = tmp / "mpv.wav", tmp / "mpv.sock"
    proc = subprocess.Popen(
        ["mpv", "--no-config", "--really-quiet", "--no-video", "--idle=yes", "--ao=pcm",
         f"--ao-pcm-file={wav}", "--audio-format=s16", f"--input-ipc-server={sock_path}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not sock_path.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        ipc = socket.socket(socket.AF_UNIX)
        ipc.connect(str(sock_path))

        def switch(mount: str) -> None:
            command = {"command": ["loadfile", bench.url(mount), "replace"]}
            ipc.sendall(json.dumps(command).encode() + b"\n")

        with ipc:
            return switches(bench, wav, switch, pause)
    finally:
        stop_process(proc)


def switch_cvlc(bench: IcecastBench, tmp: Path) -> dict | str:
    if not shutil.which("cvlc"):
        return "not installed"
    wav = tmp / "cvlc.wav"
    proc = subprocess.Popen(
        ["runuser", "-u", "nobody", "--", "env", f"HOME={tmp}", "cvlc", "--quiet", "-I", "rc",
         "--rc-fake-tty", "--no-video", "--aout=afile", f"--audiofile-file={wav}",
         "--audiofile-wav"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def switch(mount: str) -> None:
        proc.stdin.write(f"add {bench.url(mount)}\n".encode())
        proc.stdin.flush()

    try:
        return switches(bench, wav, switch, pause)
    finally:
        stop_process(proc)



def cold_start(cmd: list[str], out_file: Path, env: dict | None = None) -> float:
    """Process start until `out_file` holds audio."""
    out_file.unlink(missing_ok=True)
    watcher = ToneWatcher(out_file)
    watcher.start()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        return watcher.first(t0, None, pause, timeout=15) - t0
    finally:
        watcher.stop()
        stop_process(proc)


def cold_starts(bench: IcecastBench, tmp: Path) -> dict:
    url = bench.url("/a.mp3")
    onair_env = dict(os.environ, ONAIR_AUDIO_FILE=str(tmp / "cold-onair.wav"))
    runs: dict[str, list[str] | None] = {
        "onair_play": [sys.executable, str(ROOT / "main.py"), "play", url, "--seconds", "2"],
        "mpv": ["mpv", "--no-config", "--really-quiet", "--no-video", "--ao=pcm",
                "--audio-format=s16", f"--ao-pcm-file={tmp / 'cold-mpv.wav'}", url]
        if shutil.which("mpv") else None,
        "cvlc": ["runuser", "-u", "nobody", "--", "env", f"HOME={tmp}", "cvlc", "--quiet",
                 "--no-video", "--aout=afile", f"--audiofile-file={tmp / 'cold-cvlc.wav'}",
                 "--audiofile-wav", url] if shutil.which("cvlc") else None,
    }
    result: dict = {}
    for name, cmd in runs.items():
        if cmd is None:
            result[name] = "not installed"
            continue
        env = onair_env if name == "onair_play" else None
        out = tmp / f"cold-{name.split('_')[0]}.wav"
        result[name] = summary([cold_start(cmd, out, env) for _ in range(COLD_RUNS)])
    return result


def cpu_and_rss(bench: IcecastBench, tmp: Path, seconds: float = 30.0) -> dict:
    env = dict(os.environ, ONAIR_AUDIO_FILE=str(tmp / "cpu.wav"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "play",
                             bench.url("/a.mp3"), "--seconds", str(seconds + 2)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        for line in proc.stdout:
            if line.rstrip().endswith(" playing"):
                break
        tick = os.sysconf("SC_CLK_TCK")

        def sample() -> tuple[float, float, int]:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            status = Path(f"/proc/{proc.pid}/status").read_text()
            rss = next(int(x.split()[1]) for x in status.splitlines() if x.startswith("VmRSS"))
            return time.monotonic(), (int(fields[11]) + int(fields[12])) / tick, rss

        t0, cpu0, rss = sample()
        rss_max = rss
        while time.monotonic() - t0 < seconds:
            time.sleep(1.0)
            t1, cpu1, rss = sample()
            rss_max = max(rss_max, rss)
        return {"seconds": round(t1 - t0, 1),
                "cpu_percent_of_one_core": round(100 * (cpu1 - cpu0) / (t1 - t0), 1),
                "rss_mb": round(rss / 1024, 1), "rss_max_mb": round(rss_max / 1024, 1)}
    finally:
        stop_process(proc)


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="onair-bench-"))
    tmp.chmod(0o777)  # cvlc runs as nobody and writes its WAV here
    try:
        with IcecastBench() as bench:
            report = {
                "bench": "switch_latency",
                "measured": "switch request -> new station's tone first appended to the "
                            "player's WAV (read every 0.5 ms); paired_floor: raw socket "
                            "started with each switch, first audio byte after the headers",
                "switch_onair": switch_onair(bench, tmp),
                "switch_onair_direct": switch_onair(bench, tmp, catchup=False),
                "switch_mpv": switch_mpv(bench, tmp),
                "switch_cvlc": switch_cvlc(bench, tmp),
                "target_within_ms": 60,
                "cold_start_to_first_audio": cold_starts(bench, tmp),
                "onair_play_30s": cpu_and_rss(bench, tmp),
            }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
