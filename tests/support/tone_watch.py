"""When a tone first appears in a WAV that a player is writing: for switch-latency tests
and benchmarks (libvlc's afile output, mpv's pcm output)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.support.audio import wav_info


class ToneWatcher(threading.Thread):
    """Reads what a player appends to its 16-bit WAV and notes (time, Hz, RMS) per read."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.heard: list[tuple[float, float, float]] = []
        self._stop = threading.Event()

    def run(self) -> None:
        offset, rate, channels, pending = 0, 44100, 2, b""
        while not self._stop.is_set():
            time.sleep(0.0005)
            try:
                size = self.path.stat().st_size
                if size < offset or offset == 0:  # new or rewritten file: read its header
                    info = wav_info(self.path)
                    offset, rate, channels, pending = info.data_offset, info.rate, \
                        info.channels, b""
                if size <= offset:
                    continue
                with open(self.path, "rb") as fh:
                    fh.seek(offset)
                    data = fh.read(size - offset)
            except (OSError, ValueError):
                continue
            now = time.monotonic()
            offset += len(data)
            pending += data
            frame = 2 * channels
            usable = len(pending) // frame * frame
            if usable < 256 * frame:
                continue
            samples = np.frombuffer(pending[:usable], "<i2").reshape(-1, channels)[:, 0] / 32768
            pending = pending[usable:]
            crossings = np.count_nonzero(np.diff(np.signbit(samples)))
            self.heard.append((now, crossings / 2 * rate / len(samples),
                               float(np.sqrt(np.mean(samples ** 2)))))

    def first(self, after: float, freq: float | None, wait: Callable[[], None],
              timeout: float = 10) -> float:
        """When `freq` (None: any sound) was first heard after `after`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, f, rms in list(self.heard):
                if t >= after and rms > 0.01 and (freq is None or abs(f - freq) < 0.2 * freq):
                    return t
            wait()
        raise RuntimeError(f"{self.path.name}: no {freq or 'audio'} Hz within {timeout} s")

    def stop(self) -> None:
        self._stop.set()
