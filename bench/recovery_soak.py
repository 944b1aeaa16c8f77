"""Recovery soak: Icecast killed again and again while On Air plays; does it come back, and
how soon after the server does?

Prints one JSON document. For each player (`onair play` and the GUI) and each codec (MP3
and AAC), one Icecast bench serves one mount (a 440 Hz tone); the players under test (this
checkout, and with `--compare REV` the same players from that commit, in a git worktree)
listen side by side, so every outage is the same for all of them. KILLS times: play a
while, kill the server (listeners see the connection close), keep it down 2-5 s, start it
again on the same port. A recovery is the tone back in the player's WAV within
RECOVERY_DEADLINE_S of the server's return, with no action by the listener; time to audio
is counted from the moment the mount is live again. A player that gave up (the CLI exited,
the GUI shows an error) is started again for the next round and the round counts as lost.

    python bench/recovery_soak.py [--kills 25] [--compare ba5ee64] [--players cli,gui]
        [--codecs mp3,aac]
The GUI runs need an X display (make bench runs every benchmark under xvfb-run).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.checkout import checkout  # noqa: E402
from tests.support.icecast import IcecastBench, Mount  # noqa: E402
from tests.support.processes import stop_process  # noqa: E402
from tests.support.tone_watch import ToneWatcher  # noqa: E402

RECOVERY_DEADLINE_S = 60.0
PLAY_S = (2.0, 3.0)
DOWN_S = (2.0, 5.0)
TONE = 440


class Player:
    """One On Air process under test, writing its audio to a WAV."""

    def __init__(self, name: str, kind: str, repo: Path, url: str, folder: Path) -> None:
        self.name, self.kind, self.repo, self.url = name, kind, repo, url
        self.folder = folder / name
        self.folder.mkdir(parents=True)
        self.wav = self.folder / "out.wav"
        self.proc: subprocess.Popen | None = None
        self.window = ""
        self.watcher = ToneWatcher(self.wav)
        self.watcher.start()

    def env(self) -> dict:
        env = dict(os.environ, ONAIR_AUDIO_FILE=str(self.wav), KIVY_NO_ARGS="1",
                   ONAIR_CONFIG_DIR=str(self.folder / "config"),
                   ONAIR_CACHE_DIR=str(self.folder / "cache"),
                   KIVY_HOME=str(self.folder / "kivy"), PYTHONPATH=str(self.repo))
        env["ONAIR_DEBUG_STATE_FILE"] = str(self.folder / "state.json")
        return env

    def start(self) -> None:
        main = str(self.repo / "main.py")
        if self.kind == "cli":
            cmd = [sys.executable, main, "play", self.url]
        else:
            catalogue = self.folder / "stations.json"
            catalogue.write_text(json.dumps({"stations": [{
                "id": "soak", "name": "Soak", "tagline": "", "city": "",
                "timezone": "UTC", "homepage": None, "logo": None,
                "streams": [{"url": self.url}], "schedule": None, "news": None}]}))
            cmd = [sys.executable, main, "--stations", str(catalogue), "gui"]
        log = open(self.folder / "log.txt", "ab")  # noqa: SIM115 - the process owns it
        self.proc = subprocess.Popen(cmd, cwd=self.folder, env=self.env(), stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if self.kind == "gui":
            self._press_play()

    def _press_play(self) -> None:
        state_file = self.folder / "state.json"
        deadline = time.monotonic() + 30
        while not (state_file.exists() and '"drawn": true' in state_file.read_text()):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: no window")
            time.sleep(0.1)
        out = subprocess.run(["xdotool", "search", "--sync", "--pid", str(self.proc.pid)],
                             capture_output=True, text=True, timeout=30, check=True)
        self.window = out.stdout.split()[-1]
        self.press_space()

    def press_space(self) -> None:
        subprocess.run(["xdotool", "windowfocus", "--sync", self.window], timeout=10)
        subprocess.run(["xdotool", "key", "space"], timeout=10)

    def gave_up(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            return True
        if self.kind == "gui":
            try:
                return '"state": "error"' in (self.folder / "state.json").read_text()
            except OSError:
                return False
        return False

    def restart(self) -> None:
        if self.kind == "gui" and self.proc is not None and self.proc.poll() is None:
            self.press_space()  # the listener presses play again
            return
        self.stop()
        self.start()

    def heard_after(self, at: float, timeout: float) -> float | None:
        try:
            return self.watcher.first(at, TONE, lambda: time.sleep(0.005), timeout=timeout)
        except RuntimeError:
            return None

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None


def figures(times: list[float], kills: int) -> dict:
    out: dict = {"recovered": len(times), "of": kills}
    if times:
        ordered = sorted(times)
        out.update(median_s=round(statistics.median(ordered), 2),
                   p90_s=round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))], 2),
                   max_s=round(ordered[-1], 2))
    return out


def soak(kind: str, codec: str, repos: dict[str, Path], kills: int, folder: Path,
         rng: random.Random) -> dict:
    mount = Mount(f"/soak.{codec}", TONE, codec)
    with IcecastBench(mounts=(mount,)) as bench:
        players = [Player(f"{kind}-{codec}-{label}", kind, repo, bench.url(mount.path), folder)
                   for label, repo in repos.items()]
        times: dict[str, list[float]] = {p.name: [] for p in players}
        try:
            for p in players:
                p.start()
            for p in players:
                if p.heard_after(time.monotonic() - 1, 30) is None:
                    raise RuntimeError(f"{p.name}: never played")
            for _ in range(kills):
                time.sleep(rng.uniform(*PLAY_S))
                bench.stop()
                time.sleep(rng.uniform(*DOWN_S))
                bench.start()
                back = time.monotonic()
                for p in players:
                    remaining = max(0.1, back + RECOVERY_DEADLINE_S - time.monotonic())
                    heard = None if p.gave_up() else p.heard_after(back, remaining)
                    if heard is not None:
                        times[p.name].append(heard - back)
                    else:
                        p.restart()
                        p.heard_after(time.monotonic(), 30)
        finally:
            for p in players:
                p.stop()
                p.watcher.stop()
    return {label: figures(times[f"{kind}-{codec}-{label}"], kills) for label in repos}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--compare", metavar="REV", help="also run the players of this commit")
    parser.add_argument("--players", default="cli,gui")
    parser.add_argument("--codecs", default="mp3,aac")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    repos = {"new": ROOT}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="onair-soak-")))
        if args.compare:
            repos[f"old {args.compare}"] = stack.enter_context(checkout(args.compare))
        rng = random.Random(args.seed)
        report: dict = {"bench": "recovery_soak", "kills": args.kills,
                        "down_s": list(DOWN_S), "deadline_s": RECOVERY_DEADLINE_S,
                        "measured": "mount live again -> the tone back in the player's WAV"}
        for kind in args.players.split(","):
            for codec in args.codecs.split(","):
                report[f"{kind}_{codec}"] = soak(kind, codec, repos, args.kills, folder, rng)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
