"""Station switch latency, cold start against mpv and cvlc, CPU and RSS while playing.

Prints one JSON document. Everything runs against a local Icecast bench
(tests/support/icecast.py) in the same run:

- floor: connect a raw socket, send the GET, time until the first byte of audio
  after the HTTP headers;
- switch: in one process with libvlc writing to a WAV (afile output), the time
  from the switch request until the WAV grows with the new station's first
  decoded samples (the old stream is stopped synchronously before, so any growth
  is the new station). Measured twice: at the backend (open + play) and through
  the PlayerController (play(station): resolver on a worker thread, hop back to
  the Kivy clock, open);
- cold start: process start until the first audio sample in the output file,
  for `onair play`, `mpv --ao=pcm` and `cvlc --aout=afile` (cvlc as `nobody`:
  it refuses root);
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

from tests.support.icecast import IcecastBench  # noqa: E402

SWITCHES = 12
COLD_RUNS = 5
ORDER = ["/b.aac", "/a.mp3", "/b.mp3", "/a.aac"]
WAV_HEADER = 44


def floor_s(bench: IcecastBench, mount: str) -> float:
    """Seconds from connect to the first audio byte after the headers, raw socket."""
    t0 = time.monotonic()
    return first_byte_at(bench, mount) - t0


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


class FileWatcher(threading.Thread):
    """Polls a file's size about every 0.5 ms and records when it changes."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.changes: list[tuple[float, int]] = []
        self._stop = threading.Event()

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return -1

    def run(self) -> None:
        last = self.size()
        while not self._stop.is_set():
            size = self.size()
            if size != last:
                self.changes.append((time.monotonic(), size))
                last = size
            time.sleep(0.0005)

    def first_audio_after(self, t_mark: float, size_mark: int, timeout: float = 10) -> float:
        """When the file first held audio written after t_mark (a shrink means rewritten)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, size in list(self.changes):
                if t >= t_mark and size != size_mark and size > WAV_HEADER:
                    return t
            time.sleep(0.001)
        raise RuntimeError(f"no audio in {self.path} within {timeout} s")

    def stop(self) -> None:
        self._stop.set()


def summary(values: list[float]) -> dict:
    ms = [v * 1000 for v in values]
    return {"median_ms": round(statistics.median(ms), 1), "min_ms": round(min(ms), 1),
            "max_ms": round(max(ms), 1), "n": len(ms)}


Samples = tuple[list[float], list[float]]  # (switch latencies, paired floor latencies)


def switch_backend(bench: IcecastBench, wav: Path) -> Samples:
    from player.vlc_backend import make_backend

    backend = make_backend(str(wav))
    watcher = FileWatcher(wav)
    watcher.start()
    out: Samples = ([], [])
    try:
        for i in range(SWITCHES + 1):
            mount = ORDER[i % len(ORDER)]
            paired = PairedFloor(bench, mount)
            t0 = time.monotonic()
            paired.start()
            backend.open(bench.url(mount), live=True)
            mark, size = time.monotonic(), watcher.size()
            backend.play()
            first = watcher.first_audio_after(mark, size)
            paired.join(10)
            if i:  # the first open loads libvlc's plugins: not a switch
                out[0].append(first - t0)
                out[1].append(paired.at - t0)
            time.sleep(0.8)
    finally:
        watcher.stop()
        backend.shutdown()
    return out


def switch_controller(bench: IcecastBench, wav: Path) -> Samples:
    from kivy.clock import Clock

    from player.controller import PlayerController
    from player.stations import Station, Stream
    from player.vlc_backend import make_backend

    def station(mount: str) -> Station:
        return Station(mount, mount, "", "", "UTC", None, None, (Stream(bench.url(mount)),),
                       None, None)

    ctl = PlayerController(make_backend(str(wav)))
    watcher = FileWatcher(wav)
    watcher.start()
    out: Samples = ([], [])
    try:
        for i in range(SWITCHES + 1):
            mount = ORDER[i % len(ORDER)]
            paired = PairedFloor(bench, mount)
            t0 = time.monotonic()
            paired.start()
            ctl.play(station(mount))
            mark, size = time.monotonic(), watcher.size()
            while not any(t >= mark and s != size and s > WAV_HEADER for t, s in watcher.changes):
                Clock.tick()
                if time.monotonic() - t0 > 10:
                    raise RuntimeError(f"controller: no audio ({ctl.state}: {ctl.error})")
            first = watcher.first_audio_after(mark, size)
            paired.join(10)
            if i:
                out[0].append(first - t0)
                out[1].append(paired.at - t0)
            end = time.monotonic() + 0.8
            while time.monotonic() < end:
                Clock.tick()
    finally:
        watcher.stop()
        ctl.shutdown()
    return out


def cold_start(cmd: list[str], out_file: Path, env: dict | None = None) -> float:
    """Process start until `out_file` holds audio beyond a WAV header."""
    out_file.unlink(missing_ok=True)
    watcher = FileWatcher(out_file)
    watcher.start()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        return watcher.first_audio_after(t0, -1, timeout=15) - t0
    finally:
        watcher.stop()
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cold_starts(bench: IcecastBench, tmp: Path) -> dict:
    url = bench.url("/a.mp3")
    onair_env = dict(os.environ, ONAIR_AUDIO_FILE=str(tmp / "onair.wav"))
    runs: dict[str, list[str] | None] = {
        "onair_play": [sys.executable, str(ROOT / "main.py"), "play", url, "--seconds", "2"],
        "mpv": ["mpv", "--no-config", "--really-quiet", "--no-video", "--ao=pcm",
                f"--ao-pcm-file={tmp / 'mpv.wav'}", url] if shutil.which("mpv") else None,
        "cvlc": ["runuser", "-u", "nobody", "--", "env", f"HOME={tmp}", "cvlc", "--quiet",
                 "--no-video", "--aout=afile", f"--audiofile-file={tmp / 'cvlc.wav'}",
                 "--audiofile-wav", url] if shutil.which("cvlc") else None,
    }
    files = {"onair_play": tmp / "onair.wav", "mpv": tmp / "mpv.wav", "cvlc": tmp / "cvlc.wav"}
    result: dict = {}
    for name, cmd in runs.items():
        if cmd is None:
            result[name] = "not installed"
            continue
        env = onair_env if name == "onair_play" else None
        result[name] = summary([cold_start(cmd, files[name], env) for _ in range(COLD_RUNS)])
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
        proc.terminate()
        proc.wait(timeout=10)


def paired(samples: Samples) -> dict:
    latency, floor = samples
    return {"latency": summary(latency), "paired_floor": summary(floor),
            "median_minus_floor_ms": round(statistics.median(
                (a - b) * 1000 for a, b in zip(latency, floor, strict=True)), 1)}


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="onair-bench-"))
    tmp.chmod(0o777)  # cvlc runs as nobody and writes its WAV here
    try:
        with IcecastBench() as bench:
            floors = [floor_s(bench, ORDER[i % len(ORDER)]) for i in range(SWITCHES)]
            backend = switch_backend(bench, tmp / "backend.wav")
            controller = switch_controller(bench, tmp / "controller.wav")
            cold = cold_starts(bench, tmp)
            floors += [floor_s(bench, ORDER[i % len(ORDER)]) for i in range(SWITCHES)]
            usage = cpu_and_rss(bench, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report = {
        "bench": "switch_latency",
        "measured": "switch request -> first decoded samples of the new station written by "
                    "libvlc's afile output (WAV growth, polled every 0.5 ms). Floor: a raw "
                    "socket to the same mount started at the same instant as each switch, "
                    "time to its first audio byte after the HTTP headers",
        "floor_alone": summary(floors),
        "switch_backend": paired(backend),
        "switch_controller": paired(controller),
        "target_within_ms": 60,
        "cold_start_to_first_audio": cold,
        "onair_play_30s": usage,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
