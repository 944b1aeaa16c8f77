"""Every common stream format plays on the catch-up path (the app holds the stream, libvlc
plays it through the loopback relay), with the player built as the app builds it
(services.Services.player: catch-up on), checked by ear on real servers:

- a real Icecast fed by ffmpeg (tests/support/icecast.py FORMAT_MOUNTS): MP3 CBR 32 kbps mono
  22.05 kHz, CBR 320 kbps 48 kHz, VBR 44.1 kHz; AAC-LC in ADTS; Ogg Vorbis, Opus and FLAC;
- a Shoutcast v1 server answering `ICY 200 OK`, a chunked HTTP/1.1 stream and a stream that
  starts with an ID3v2 tag (tests/support/paced_stream.py and its subclasses).

Each station is a rising tone from its own base (300 to 372 Hz, 8 Hz apart; +100 Hz every
10 s), so the heard frequency names the station and the moment. For each format the
listener plays the station, hears a step of the tone begin, pauses 3 s into a step, waits
10 s, resumes: the tone heard then must be the one paused at (the next step is live). What
the listener sees is checked too: playing, no error, no failed first try, catch-up on, and
the Shoutcast server's ICY title in Now Playing.

The formats run at the same time (one Kivy clock pumps every player; each step of a run has
its own deadline), so the module takes about as long as one format: about 30 s of
listening, under 40 s in all. The tests then read what each format's run saw.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from infra.paths import Paths
from player.controller import PlayerController
from player.recovery import RetryPolicy
from services import Services
from tests.player.conftest import pump, station
from tests.support.audio import analyse, duration_s
from tests.support.chunked_stream import ChunkedStreamServer
from tests.support.icecast import (
    FORMAT_MOUNTS,
    RISE_STEP_HZ,
    RISE_STEP_S,
    RISE_STEPS,
    IcecastBench,
)
from tests.support.id3_stream import Id3StreamServer
from tests.support.shoutcast import TITLE, ShoutcastServer
from tests.support.wait import wait_until

pytestmark = [pytest.mark.icecast, pytest.mark.timeout(300)]

QUICK = RetryPolicy(max_tries=3, base_s=0.3, cap_s=1.0)
TONE_TOLERANCE_HZ = 3.0  # the bases are 8 Hz apart (modulo the 100 Hz step)
PAUSE_S = 10.0
PAUSE_PHASE_S = 3.0  # pause this far into a step of the tone: reopening never crosses a step
HEARD_AFTER_RESUME_S = 1.5  # audio played after resume before the tone is taken
ANALYSE_EVERY_S = 0.1


@dataclass(frozen=True)
class Format:  # every one is held by catch-up: pause, rewind and the timeline work on it
    id: str
    base_hz: int


SERVERS = {"shoutcast-v1": (ShoutcastServer, 356), "chunked-http11": (ChunkedStreamServer, 364),
           "id3-start": (Id3StreamServer, 372)}
FORMATS = [Format(m.path.lstrip("/"), m.freq_hz) for m in FORMAT_MOUNTS] + \
          [Format(name, base) for name, (_cls, base) in SERVERS.items()]


def tone_step(freq: float, base_hz: int) -> int | None:
    """Which step of the rising tone from `base_hz` `freq` is (0..RISE_STEPS-1), or None
    when it is not one of that station's tones."""
    step = round((freq - base_hz) / RISE_STEP_HZ)
    near = abs(freq - (base_hz + step * RISE_STEP_HZ)) <= TONE_TOLERANCE_HZ
    return step if near and 0 <= step < RISE_STEPS else None


@dataclass(repr=False)
class Run:
    """One format's listener: plays, pauses and resumes, noting what it heard and saw."""

    fmt: Format
    url: str
    wav: Path
    services: Services
    player: PlayerController
    phase: str = "tone"
    deadline: float = 0.0
    failure: str = ""
    seen: list[str] = field(default_factory=list)
    heard: tuple[float, float] = (0.0, 0.0)  # (Hz, RMS) of the last half second written
    analysed_at: float = 0.0
    first_hz: float = 0.0
    step_began: float = 0.0
    step_hz: float = 0.0
    held_at_pause: bool = False
    note_at_pause: str = ""
    paused_hz: float = 0.0
    paused_at: float = 0.0
    state_after_pause: str = ""
    resumed_hz: float = 0.0
    live_hz: float = 0.0  # the live tone when the resumed tone was taken
    behind_live_s: float = 0.0
    final: tuple[str, str, str, bool] = ("", "", "", False)  # state, error, note, catch-up
    title: str = ""  # what Now Playing showed at the end

    def __repr__(self) -> str:
        return f"Run({self.fmt.id}, {'failed' if self.failure else self.phase})"

    def start(self) -> None:
        self.player.bind(state=lambda _p, s: self.seen.append(s))
        self.player.play(station(self.fmt.id, f"Format {self.fmt.id}", self.url))
        self._next("tone", 30)

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def step(self, now: float) -> None:
        """Move on when this phase's condition holds; fail it past its deadline."""
        if self.done:
            return
        if now - self.analysed_at >= ANALYSE_EVERY_S:
            self.analysed_at, self.heard = now, self._heard()
        ctl = self.player
        if ctl.state == "error":
            self._fail(f"the player says: {ctl.error}")
        elif self.phase == "tone" and ctl.state == "playing" and self._station_tone():
            self.first_hz = self.heard[0]
            self._next("step", RISE_STEP_S + 10)
        elif self.phase == "step" and self._station_tone() and \
                abs(self.heard[0] - self.first_hz) > RISE_STEP_HZ / 2:
            self.step_began, self.step_hz = now, self.heard[0]
            self._next("phase", RISE_STEP_S)
        elif self.phase == "phase" and now - self.step_began >= PAUSE_PHASE_S:
            self.paused_hz, self.paused_at = self.heard[0], now
            self.held_at_pause, self.note_at_pause = ctl.catchup, ctl.catchup_note
            ctl.pause()
            self._next("paused", PAUSE_S + 5)
        elif self.phase == "paused" and now - self.paused_at >= PAUSE_S:
            self.state_after_pause = ctl.state
            ctl.resume()
            self._next("resumed", 20)
        elif self.phase == "resumed" and ctl.state == "playing" \
                and ctl.connected_s >= HEARD_AFTER_RESUME_S:
            self.heard = self._heard()
            self.resumed_hz, self.behind_live_s = self.heard[0], ctl.behind_live_s
            steps = int((now - self.step_began) // RISE_STEP_S)
            self.live_hz = self.fmt.base_hz + RISE_STEP_HZ * (
                (round((self.step_hz - self.fmt.base_hz) / RISE_STEP_HZ) + steps) % RISE_STEPS)
            self.final = (ctl.state, ctl.error, ctl.catchup_note, ctl.catchup)
            self.title, self.phase = ctl.now_playing, "done"
        elif now > self.deadline:
            self._fail(f"timed out waiting for {self.phase!r} (heard {self.heard[0]:.0f} Hz "
                       f"at RMS {self.heard[1]:.2f}; state {ctl.state})")

    def close(self) -> None:
        self.player.shutdown()
        self.services.close()

    def _station_tone(self) -> bool:
        freq, rms = self.heard
        return rms > 0.05 and tone_step(freq, self.fmt.base_hz) is not None

    def _heard(self) -> tuple[float, float]:
        end = duration_s(self.wav)
        return analyse(self.wav, end - 0.5, end) if end > 0.6 else (0.0, 0.0)

    def _next(self, phase: str, within_s: float) -> None:
        self.phase, self.deadline = phase, time.monotonic() + within_s

    def _fail(self, why: str) -> None:
        ctl = self.player
        self.failure = f"{self.fmt.id}: {why} (in phase {self.phase!r})"
        self.final = (ctl.state, ctl.error, ctl.catchup_note, ctl.catchup)
        self.phase = "done"


def new_threads(before: set[threading.Thread]) -> list[str]:
    return [t.name for t in threading.enumerate() if t not in before]


@pytest.fixture(scope="module")
def format_icecast() -> Iterator[IcecastBench]:
    with IcecastBench(FORMAT_MOUNTS) as server:
        yield server


@pytest.fixture(scope="module")
def stream_servers() -> Iterator[dict[str, str]]:
    """The non-Icecast servers, started: format id -> stream URL."""
    servers = [cls(base) for cls, base in SERVERS.values()]
    try:
        yield {name: server.start().url for name, server in zip(SERVERS, servers, strict=True)}
    finally:
        for server in servers:
            server.close()


@pytest.fixture(scope="module")
def matrix(format_icecast: IcecastBench, stream_servers: dict[str, str],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Every format's run, all at once, to the end (each stops at its first failure)."""
    urls = {**{m.path.lstrip("/"): format_icecast.url(m.path) for m in FORMAT_MOUNTS},
            **stream_servers}
    runs: dict[str, Run] = {}
    before = set(threading.enumerate())
    try:
        for fmt in FORMATS:
            root = tmp_path_factory.mktemp(fmt.id.replace(".", "-"))
            wav = root / "out.wav"
            services = Services(paths=Paths(root / "config", root / "cache", root / "state"),
                                env={"ONAIR_AUDIO_FILE": str(wav)})
            runs[fmt.id] = Run(fmt, urls[fmt.id], wav, services, services.player(policy=QUICK))
        started = time.monotonic()
        for run in runs.values():
            run.start()

        def all_done() -> bool:
            now = time.monotonic()
            for run in runs.values():
                run.step(now)
            return all(run.done for run in runs.values())

        pump(all_done, 120, "every format's run")
        print(f"format matrix: every run done in {time.monotonic() - started:.1f} s")
        yield runs
    finally:
        for run in runs.values():
            run.close()
    try:
        wait_until(lambda: not new_threads(before), 10, "the runs' threads to end")
    except AssertionError:
        raise AssertionError(f"threads left: {new_threads(before)}") from None


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.id for f in FORMATS])
def test_the_station_is_heard(matrix: dict[str, Run], fmt: Format) -> None:
    run = matrix[fmt.id]
    assert run.first_hz, run.failure
    assert tone_step(run.first_hz, fmt.base_hz) is not None


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.id for f in FORMATS])
def test_pause_10_s_then_resume_plays_the_moment_paused_at(matrix: dict[str, Run],
                                                           fmt: Format) -> None:
    run = matrix[fmt.id]
    assert run.paused_at, run.failure
    assert run.held_at_pause, f"not held: {run.note_at_pause or 'no catch-up'}"
    assert run.state_after_pause == "paused"
    assert run.resumed_hz, run.failure
    assert tone_step(run.resumed_hz, fmt.base_hz) == tone_step(run.paused_hz, fmt.base_hz), \
        f"heard {run.resumed_hz:.0f} Hz after resume, paused at {run.paused_hz:.0f} Hz"
    assert abs(run.resumed_hz - run.live_hz) > RISE_STEP_HZ / 2, "resumed at live, not paused"
    assert PAUSE_S - 1 <= run.behind_live_s <= PAUSE_S + 6, run.behind_live_s


@pytest.mark.parametrize("fmt", FORMATS, ids=[f.id for f in FORMATS])
def test_the_listener_sees_it_playing_without_an_error(matrix: dict[str, Run],
                                                       fmt: Format) -> None:
    run = matrix[fmt.id]
    state, error, note, held = run.final
    assert "error" not in run.seen and error == "", error or run.failure
    assert "playing" in run.seen, run.failure or f"never played: {run.seen}"
    first_try = run.seen[:run.seen.index("playing")]
    assert "reconnecting" not in first_try, f"the first try failed: {run.seen}"
    assert state == "playing", run.failure or f"state {state}"
    assert held and note == "", note or "not held"


def test_the_shoutcast_title_shows_in_now_playing(matrix: dict[str, Run]) -> None:
    run = matrix["shoutcast-v1"]
    assert run.title == TITLE, run.failure or f"Now Playing showed {run.title!r}"
