"""Responsiveness of the On Air window: frame gaps, cold start, CPU and RSS. Prints JSON.

Everything local: the Icecast bench (two tones) and the demo metadata server
(tests/support/demo_data.py), with libvlc writing to a WAV (no sound card).

- frame gaps (in this process, real window, real controllers; the metadata server runs in
  a process of its own, as a station's would): the longest time
  between two Kivy frames (a 0-interval clock callback runs once per frame) while
  switching stations 20 times while playing, and while the metadata server takes
  5 s to answer every request (switches and guide refreshes during that time);
  target < 50 ms;
- cold start (a subprocess, as `onair gui`, with the schedule already in the HTTP
  cache): process start until the first frame is on screen, and until the cached
  on-now title is shown (read from ONAIR_DEBUG_STATE_FILE); median of 3;
- playing 60 s with the window visible (a subprocess with autoplay, no debug state
  file): CPU share of one core (utime + stime of all its threads, from /proc) and RSS;
  target <= 4 %.

BENCH_PARTS (comma-separated, default all three) runs some parts only;
BENCH_PLAY_S shortens the playing part.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")

from tests.support.audio import duration_s as audio_duration_s  # noqa: E402
from tests.support.demo_data import DemoSite, demo_catalogue, make_media  # noqa: E402
from tests.support.icecast import IcecastBench  # noqa: E402
from tests.support.processes import stop_process  # noqa: E402

SWITCHES = 20
SWITCH_EVERY_S = 1.5
SLOW_ANSWER_S = 5.0
PLAY_S = float(os.environ.get("BENCH_PLAY_S", "60"))
PARTS = os.environ.get("BENCH_PARTS", "frame_gaps,cold_start,playing_60s").split(",")
TICKS = os.sysconf("SC_CLK_TCK")


class SlowSite(DemoSite):
    """The demo metadata server with an adjustable delay before every answer."""

    delay_s = 0.0

    def answer(self, path, query):
        if self.delay_s:
            time.sleep(self.delay_s)
        return super().answer(path, query)


def serve_site(media: Path) -> int:
    """`--serve-site MEDIA`: the slow demo site in a process of its own, so its server threads
    do not share the measured app's GIL. Prints its base URL; a stdin line `delay S` sets the
    delay before every answer; end of stdin stops it."""
    site = SlowSite(media).start()
    print(site.base_url, flush=True)
    for line in sys.stdin:
        command, _, value = line.partition(" ")
        if command == "delay":
            site.delay_s = float(value)
    site.close()
    return 0


class SiteProcess:
    """The bench's handle on the `--serve-site` process."""

    def __init__(self, media: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve-site", str(media)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http://"):
            raise RuntimeError("the metadata site did not start")

    def set_delay(self, seconds: float) -> None:
        self.proc.stdin.write(f"delay {seconds}\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class FrameMeter:
    """Per Kivy frame: the gap since the previous frame, and how much of it went to the
    GL swap (software rendering under Xvfb: llvmpipe draws at the swap) and to the
    clock's frame-pacing sleep. The rest is work on the Kivy thread (callbacks, layout,
    label textures): `work_ms`. Wraps Window.flip and Clock.usleep to time them."""

    def __init__(self, window, clock) -> None:
        self.gaps: dict[str, list[tuple[float, float]]] = {}
        self.phase: str | None = None
        self._last: float | None = None
        self._spent = 0.0
        flip, usleep = window.flip, clock.usleep

        def timed(fn):
            def run(*args):
                t = time.perf_counter()
                try:
                    return fn(*args)
                finally:
                    self._spent += time.perf_counter() - t
            return run

        window.flip = timed(flip)
        clock.usleep = timed(usleep)

    def start(self, phase: str | None) -> None:
        self.phase, self._last = phase, None
        if phase:
            self.gaps.setdefault(phase, [])

    def frame(self, _dt: float) -> None:
        now = time.perf_counter()
        if self.phase and self._last is not None:
            self.gaps[self.phase].append((now - self._last, now - self._last - self._spent))
        self._last, self._spent = now, 0.0

    def stats(self, phase: str) -> dict:
        pairs = self.gaps.get(phase, [])
        if not pairs:
            return {"frames": 0}
        gaps = sorted(g for g, _ in pairs)
        return {"frames": len(gaps), "max_gap_ms": round(gaps[-1] * 1000, 1),
                "p99_gap_ms": round(gaps[int(0.99 * (len(gaps) - 1))] * 1000, 1),
                "median_gap_ms": round(statistics.median(gaps) * 1000, 1),
                "gaps_over_50ms": sum(g > 0.05 for g in gaps),
                "max_work_ms": round(max(w for _, w in pairs) * 1000, 1)}


def frame_gaps(catalogue_file: Path, site: SiteProcess, folder: Path) -> dict:
    """Run the app in this process and script it from the Kivy clock."""
    from kivy.clock import Clock

    from infra.paths import Paths
    from player.catalogue import parse_catalogue
    from services import Services
    from ui.app import configure_window
    from ui.prefs import Prefs

    folder.mkdir(parents=True, exist_ok=True)
    paths = Paths(folder / "config", folder / "cache", folder / "state")
    catalogue = parse_catalogue(catalogue_file.read_bytes(), str(catalogue_file))
    services = Services(paths=paths, catalogue=catalogue,
                        env={"ONAIR_AUDIO_FILE": str(folder / "frames.wav")})
    configure_window(Prefs())
    app = services.gui_app()
    player = app.player
    from kivy.core.window import Window  # created now, with configure_window's settings

    meter = FrameMeter(Window, Clock)
    record = {"played": 0}

    def count_playing(_player, state: str) -> None:
        if state == "playing" and meter.phase:
            record["played"] += 1

    def script():
        player.play()
        yield 3.0
        meter.start("switching")
        for i in range(SWITCHES):
            app.step_station(1 if i % 2 == 0 else -1)
            yield SWITCH_EVERY_S
        yield 1.0
        record["played_switching"] = record["played"]
        record["state_after_switching"] = player.state
        site.set_delay(SLOW_ANSWER_S)
        meter.start("slow_metadata")
        for i in range(6):
            app.step_station(1 if i % 2 == 0 else -1)
            app.guide.refresh()
            app.news.refresh()
            yield 1.0
        yield SLOW_ANSWER_S + 1.0
        meter.start(None)
        site.set_delay(0.0)
        app.stop()

    steps = script()

    def step(_dt: float) -> None:
        try:
            Clock.schedule_once(step, next(steps))
        except StopIteration:
            pass

    def begin(*_args) -> None:  # returns None: a true value would stop App.on_start
        Clock.schedule_interval(meter.frame, 0)
        Clock.schedule_once(step, 1.0)

    player.bind(state=count_playing)
    app.bind(on_start=begin)
    app.run()
    services.close()
    return {"switching": {**meter.stats("switching"), "switches": SWITCHES,
                          "reached_playing": record.get("played_switching", 0),
                          "state_1s_after_last_switch": record.get("state_after_switching")},
            "slow_metadata": {**meter.stats("slow_metadata"),
                              "answer_delay_s": SLOW_ANSWER_S}}


def start_app(folder: Path, catalogue_file: Path, state_file: Path | None) -> subprocess.Popen:
    """`onair --stations FILE gui`; with `state_file`, it reports what it shows there."""
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ONAIR_CONFIG_DIR=str(folder / "config"),
               ONAIR_CACHE_DIR=str(folder / "cache"), ONAIR_AUDIO_FILE=str(folder / "out.wav"),
               KIVY_HOME=str(folder / "kivy"))
    if state_file is not None:
        env["ONAIR_DEBUG_STATE_FILE"] = str(state_file)
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--stations",
                             str(catalogue_file), "gui"], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def read_state(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def wait_state(proc: subprocess.Popen, path: Path, cond, timeout: float = 60.0) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}")
        state = read_state(path)
        if state and cond(state):
            return time.monotonic()
        time.sleep(0.005)
    raise RuntimeError(f"timed out; last state {read_state(path)}")


def stop(proc: subprocess.Popen) -> None:
    stop_process(proc, timeout=15)


def shows_on_now(state: dict) -> bool:
    panel = state.get("sections", {}).get("up_next", [])
    return "ON NOW" in panel and len(panel) > 3


def cold_start(catalogue_file: Path, folder: Path) -> dict:
    state_file = folder / "state.json"
    warm = start_app(folder, catalogue_file, state_file)  # fills the HTTP cache
    wait_state(warm, state_file, shows_on_now)
    stop(warm)
    drawn, schedule = [], []
    for _ in range(3):
        state_file.unlink(missing_ok=True)
        t0 = time.monotonic()
        proc = start_app(folder, catalogue_file, state_file)
        drawn.append(wait_state(proc, state_file, lambda s: s.get("drawn")) - t0)
        schedule.append(wait_state(proc, state_file, shows_on_now) - t0)
        stop(proc)
    return {"to_first_frame_s": round(statistics.median(drawn), 3),
            "to_cached_schedule_shown_s": round(statistics.median(schedule), 3),
            "runs": 3}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def playing_load(catalogue_file: Path, folder: Path) -> dict:
    """Autoplay the first station; measure while the WAV grows (no debug state file, so
    the app does nothing a listener's copy would not)."""
    prefs = folder / "config" / "prefs.json"
    prefs.parent.mkdir(parents=True, exist_ok=True)
    prefs.write_text(json.dumps({"autoplay": True}))
    wav = folder / "out.wav"
    proc = start_app(folder, catalogue_file, None)
    deadline = time.monotonic() + 30
    while audio_duration_s(wav) < 1.0:
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError("no audio within 30 s")
        time.sleep(0.1)
    time.sleep(2.0)  # let start-up work (fetches, image loads) settle
    c0, t0, a0 = cpu_seconds(proc.pid), time.monotonic(), audio_duration_s(wav)
    peak = 0.0
    while time.monotonic() - t0 < PLAY_S:
        time.sleep(1.0)
        peak = max(peak, rss_mb(proc.pid))
    c1, t1, a1 = cpu_seconds(proc.pid), time.monotonic(), audio_duration_s(wav)
    rss = rss_mb(proc.pid)
    stop(proc)
    return {"seconds": round(t1 - t0, 1), "audio_written_s": round(a1 - a0, 1),
            "cpu_share_of_one_core_pct": round(100 * (c1 - c0) / (t1 - t0), 2),
            "rss_mb": round(rss, 1), "rss_peak_mb": round(peak, 1), "target_pct": 4.0}


def attempt(part, *args) -> dict:
    """Run one part; a failure becomes {"error": ...} in the JSON (Kivy may own stderr)."""
    try:
        return part(*args)
    except Exception as err:  # noqa: BLE001 - reported in the output
        traceback.print_exc(file=sys.__stderr__)
        return {"error": f"{type(err).__name__}: {err}"}


def main() -> int:
    if sys.argv[1:2] == ["--serve-site"]:
        return serve_site(Path(sys.argv[2]))
    with tempfile.TemporaryDirectory(prefix="onair-bench-") as tmp, IcecastBench() as bench:
        root = Path(tmp)
        media = root / "media"
        make_media(media)
        site = SiteProcess(media)
        try:
            catalogue_file = root / "stations.json"
            catalogue_file.write_text(json.dumps(demo_catalogue(site, bench.url, media)))
            parts = {"frame_gaps": (frame_gaps, catalogue_file, site, root / "frames"),
                     "cold_start": (cold_start, catalogue_file, root / "cold"),
                     "playing_60s": (playing_load, catalogue_file, root / "play")}
            result = {"benchmark": "responsiveness", "target_max_gap_ms": 50}
            for name, (part, *args) in parts.items():
                if name in PARTS:
                    result[name] = attempt(part, *args)
        finally:
            site.close()
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
