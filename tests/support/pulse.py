"""A real PulseAudio server with a null sink, and a recorder of what it plays.

`PulseServer` runs `pulseaudio -n` (no default config: only the modules named here) as
root with a private XDG_RUNTIME_DIR and HOME in a temp folder; its `env` (PULSE_SERVER)
points a client such as libvlc's pulse output at it. Nothing else is loaded: no
module-stream-restore, so the server remembers no volume between clients, and no
module-suspend-on-idle, so the sink's monitor runs (silence) when nothing plays.
The native protocol takes anonymous clients (no cookie to share with the client).

`Monitor` records `test.monitor` with `parec` as raw 16-bit mono into a WAV file whose
header it writes first; tests/support/audio.py reads such a growing WAV (it takes the
data length from the file size), so `analyse`/`hears` work on it while it records.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.support.audio import analyse, duration_s
from tests.support.processes import stop_process
from tests.support.wait import wait_until

SINK = "test"
RATE = 48000
MISSING = ("{tool} is not installed: scripts/setup.sh --test installs it "
           "(apt-get install pulseaudio pulseaudio-utils)")


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise RuntimeError(MISSING.format(tool=tool))
    return path


class PulseServer:
    """`with PulseServer() as pulse:` a running server; `pulse.env` for its clients."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="onair-pulse-"))
        self.socket = self.folder / "pulse" / "native"
        self.server = f"unix:{self.socket}"
        self.env = {"PULSE_SERVER": self.server}
        self.log = self.folder / "pulseaudio.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PulseServer:
        pulseaudio = _need("pulseaudio")
        _need("parec")
        _need("pactl")
        env = dict(os.environ, XDG_RUNTIME_DIR=str(self.folder), HOME=str(self.folder))
        env.pop("PULSE_SERVER", None)
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [pulseaudio, "-n", "--daemonize=no", "--exit-idle-time=-1",
                 "-L", "module-native-protocol-unix auth-anonymous=1",
                 "-L", f"module-null-sink sink_name={SINK}"],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(self._ready, 15, "pulseaudio's null sink", interval=0.05)
        except AssertionError as err:
            self.__exit__()
            raise RuntimeError(f"{err}: {self.log.read_text(errors='replace')[-800:]}") from err
        return self

    def _ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"pulseaudio exited ({self.proc.returncode}): "
                               f"{self.log.read_text(errors='replace')[-800:]}")
        if not self.socket.exists():
            return False
        out = self.pactl("list", "short", "sinks", check=False)
        return any(line.split("\t")[1:2] == [SINK] for line in out.splitlines())

    def pactl(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(["pactl", *args], env=dict(os.environ, **self.env),
                              capture_output=True, text=True, timeout=10, check=False)
        if check and done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def sink_inputs(self) -> list[str]:
        """The streams playing to the server now (one line each)."""
        return [line for line in self.pactl("list", "short", "sink-inputs").splitlines() if line]

    def monitor(self, path: Path) -> Monitor:
        return Monitor(self, path)

    def __exit__(self, *_exc: object) -> None:
        stop_process(self.proc)
        self.proc = None
        shutil.rmtree(self.folder, ignore_errors=True)


def _wav_header(rate: int, channels: int = 1) -> bytes:
    """A 16-bit PCM WAV header whose sizes say "unknown" (audio.py reads the file size)."""
    block = channels * 2
    return (b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, 16)
            + b"data" + struct.pack("<I", 0xFFFFFFFF))


class Monitor:
    """`with pulse.monitor(path) as mon:` parec records the null sink's monitor into `path`."""

    def __init__(self, pulse: PulseServer, path: Path) -> None:
        self.pulse = pulse
        self.path = path
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Monitor:
        with open(self.path, "wb") as out:
            out.write(_wav_header(RATE))
            out.flush()
            # A short latency: parec hands over audio every ~20 ms, not in 2 s blocks.
            self.proc = subprocess.Popen(
                ["parec", f"--device={SINK}.monitor", "--raw", "--format=s16le",
                 f"--rate={RATE}", "--channels=1", "--latency-msec=20"],
                env=dict(os.environ, **self.pulse.env), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.PIPE)
        wait_until(self._recording, 10, "parec recording test.monitor", interval=0.02)
        return self

    def _recording(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
            raise RuntimeError(f"parec exited ({self.proc.returncode}): {err}")
        return self.seconds() > 0.05

    def seconds(self) -> float:
        """Seconds recorded so far."""
        return duration_s(self.path)

    def last(self, window_s: float) -> tuple[float, float]:
        """(dominant Hz, RMS) of the last `window_s` seconds recorded."""
        end = self.seconds()
        return analyse(self.path, max(0.0, end - window_s), end)

    def record(self, window_s: float, step: Callable[[], object] | None = None,
               ) -> tuple[float, float]:
        """(dominant Hz, RMS) of the next `window_s` seconds, calling `step` (e.g. the Kivy
        clock) meanwhile. This is a measurement, not a wait for a condition: it records a
        fixed window of audio and returns what is in it."""
        start = self.seconds()
        wait_until(lambda: self.seconds() >= start + window_s, window_s + 10,
                   f"{window_s} s more of test.monitor", step=step, interval=0.01)
        return analyse(self.path, start, start + window_s)

    def __exit__(self, *_exc: object) -> None:
        stop_process(self.proc)
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
        self.proc = None

