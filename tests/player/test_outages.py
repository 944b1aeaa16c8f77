"""Outages against the real Icecast bench: the GUI's player and `onair play` ride them out.

Each outage test plays one station in two listeners at once, a PlayerController over
libvlc with the GUI's policy (in this process) and `onair play` (a subprocess), breaks the
server, and measures for each the time from the server's return to audio again: the
controller's "playing" (audio decoded) and the CLI's "playing" line, then the tone in
each WAV. Measured times are printed (`pytest -s`) and asserted.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from player.controller import PlayerController, playlist_resolver
from player.recovery import SOURCE_RECONNECTING
from player.vlc_backend import make_backend
from tests.player.conftest import pump, station
from tests.support.audio import duration_s, hears
from tests.support.icecast import IcecastBench
from tests.support.tasks import task_runner

pytestmark = pytest.mark.icecast
ROOT = Path(__file__).resolve().parents[2]
MOUNT = "/a.mp3"  # 440 Hz
SHORT_OUTAGE_LIMIT_S = 2.0  # back within 2 s of the server's return after up to 10 s down
LONG_OUTAGE_LIMIT_S = 10.0  # ... and within 10 s after up to 60 s down


class Cli:
    """`onair play TARGET` as a subprocess; its status lines, each with when it arrived."""

    def __init__(self, target: str, wav: Path, stations: Path | None = None) -> None:
        env = dict(os.environ, ONAIR_AUDIO_FILE=str(wav))
        env.pop("ONAIR_STATIONS", None)
        extra = ["--stations", str(stations)] if stations else []
        self.wav = wav
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *extra, "play",
                                      target], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     bufsize=1)
        self.lines: list[tuple[float, str]] = []  # (arrival, text after the timestamp)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n").split("] ", 1)[-1]))

    def first(self, text: str, after: float, *, prefix: bool = False) -> float | None:
        """When the first line `text` (or starting with it) after `after` arrived."""
        for at, line in list(self.lines):
            if at >= after and (line.startswith(text) if prefix else line == text):
                return at
        return None

    def texts(self) -> list[str]:
        return [line for _, line in self.lines]

    def stop(self) -> tuple[int, str]:
        """Ctrl-C; the exit code and stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=15)
        finally:
            self.proc.kill()
        return self.proc.returncode, err


class Gui:
    """A PlayerController as the GUI builds it (GUI policy), its state changes timed."""

    def __init__(self, wav: Path, **options: object) -> None:
        self.wav = wav
        self.backend = make_backend(str(wav))
        self.opens = 0
        opener = self.backend.open

        def counting_open(url: str, *, live: bool) -> int:
            self.opens += 1
            return opener(url, live=live)

        self.backend.open = counting_open  # type: ignore[method-assign]
        self.ctl = PlayerController(self.backend, tasks=task_runner(), **options)
        self.changes: list[tuple[float, str]] = []
        self.ctl.bind(state=lambda _c, s: self.changes.append((time.monotonic(), s)))

    def first(self, state: str, after: float) -> float | None:
        return next((at for at, s in self.changes if at >= after and s == state), None)

    def states(self) -> list[str]:
        return [s for _, s in self.changes]


@contextmanager
def listeners(bench: IcecastBench, tmp_path: Path) -> Iterator[tuple[Gui, Cli]]:
    """Both listeners playing MOUNT; afterwards the CLI must still run and stop cleanly."""
    url = bench.url(MOUNT)
    cli = Cli(url, tmp_path / "cli.wav")
    gui = Gui(tmp_path / "gui.wav")
    try:
        gui.ctl.play(station("a", "Station A", url))
        pump(lambda: gui.ctl.state == "playing" and cli.first("playing", 0) is not None, 30,
             "both playing")
        yield gui, cli
        assert cli.proc.poll() is None, f"onair play exited: {cli.texts()}"
        assert "error" not in gui.states()
    finally:
        gui.ctl.shutdown()
        code, err = cli.stop()
    assert code == 0 and "Traceback" not in err, err


def keep_running(seconds: float) -> None:
    """Run the Kivy clock for `seconds` (the server is down; the player must keep trying)."""
    end = time.monotonic() + seconds
    pump(lambda: time.monotonic() >= end, seconds + 5, f"{seconds} s")


class Back:
    """When each listener was back after `since`: heard (its WAV grows again: libvlc
    rewrites it from the start for each new stream) and "playing" (the controller saw
    decoded audio; libvlc's decode counter lags the WAV by up to ~0.4 s)."""

    def __init__(self, gui: Gui, cli: Cli, since: float) -> None:
        self.gui, self.cli, self.since = gui, cli, since
        self._wav_s = {w: duration_s(w) for w in (gui.wav, cli.wav)}
        self.heard: dict[Path, float] = {}

    def _poll(self) -> bool:
        now = time.monotonic()
        for wav, before in self._wav_s.items():
            if wav not in self.heard and duration_s(wav) != before:
                self.heard[wav] = now - self.since
        return len(self.heard) == 2 and self.gui.first("playing", self.since) is not None \
            and self.cli.first("playing", self.since) is not None

    def wait(self, timeout: float) -> Back:
        pump(self._poll, timeout, "both heard and playing again")
        return self

    @property
    def times(self) -> dict[str, float]:
        """Seconds after `since`: gui/cli heard, gui/cli playing."""
        return {"gui heard": self.heard[self.gui.wav], "cli heard": self.heard[self.cli.wav],
                "gui playing": self.gui.first("playing", self.since) - self.since,
                "cli playing": self.cli.first("playing", self.since) - self.since}


def hear(wav: Path, freq: int, after_s: float, timeout: float = 8.0) -> None:
    """The last 0.5 s of `wav` holds `freq`, written after the WAV was `after_s` long (libvlc
    rewrites the WAV from its start when it re-creates its audio output)."""
    def ok() -> bool:
        end = duration_s(wav)
        return end >= 0.5 and (end - 0.5 >= after_s or end < after_s) \
            and hears(wav, freq, end - 0.5, end)

    pump(ok, timeout, f"{freq} Hz in {wav.name}")


def report(what: str, backs: list[dict[str, float]]) -> None:
    print(f"\n{what}:")
    for back in backs:
        print("  " + ", ".join(f"{k} {v:.2f} s" for k, v in back.items()))


def within(backs: list[dict[str, float]], limit: float) -> bool:
    return all(v <= limit for back in backs for v in back.values())


def test_server_kills_two_in_quick_succession_are_ridden_out(live_icecast, tmp_path) -> None:
    bench = live_icecast
    backs: list[dict[str, float]] = []
    with listeners(bench, tmp_path) as (gui, cli):
        # 4 s down; then killed again as soon as both hear it, 1 s down; and again, 0 s down.
        for outage_s in (4.0, 1.0, 0.0):
            wav_s = duration_s(gui.wav), duration_s(cli.wav)
            down = time.monotonic()
            bench.stop()
            pump(lambda d=down: gui.ctl.state == "reconnecting"
                 and cli.first("reconnecting", d, prefix=True) is not None, 10, "reconnecting")
            keep_running(max(0.0, outage_s - (time.monotonic() - down)))
            bench.start()
            backs.append(Back(gui, cli, time.monotonic()).wait(15).times)
            hear(gui.wav, 440, wav_s[0])
            hear(cli.wav, 440, wav_s[1])
        assert "reconnecting in 1 s: connection refused" in cli.texts()
    report("server kills (4 s, 1 s, 0 s down)", backs)
    assert within(backs, SHORT_OUTAGE_LIMIT_S), backs


def test_a_mount_answering_404_while_its_source_reconnects(live_icecast, tmp_path) -> None:
    bench = live_icecast
    with listeners(bench, tmp_path) as (gui, cli):
        wav_s = duration_s(gui.wav), duration_s(cli.wav)
        down = time.monotonic()
        bench.stop_source(MOUNT)
        source_line = f"reconnecting in 1 s: {SOURCE_RECONNECTING}"
        pump(lambda: gui.ctl.reason == SOURCE_RECONNECTING
             and cli.first(source_line, down) is not None, 10, "the source is reconnecting")
        keep_running(max(0.0, 3.0 - (time.monotonic() - down)))
        assert gui.ctl.state == "reconnecting" and gui.ctl.reason == SOURCE_RECONNECTING
        bench.start_source(MOUNT)
        back = Back(gui, cli, time.monotonic()).wait(15).times
        hear(gui.wav, 440, wav_s[0])
        hear(cli.wav, 440, wav_s[1])
    report("source gone 3 s (404)", [back])
    assert within([back], SHORT_OUTAGE_LIMIT_S), back


def test_a_40_s_outage_is_probed_throughout_and_ridden_out(live_icecast, tmp_path) -> None:
    bench = live_icecast
    with listeners(bench, tmp_path) as (gui, cli):
        wav_s = duration_s(gui.wav), duration_s(cli.wav)
        opens = gui.opens
        down = time.monotonic()
        bench.stop()
        waits: list[float] = []
        gui.ctl.bind(retry_in_s=lambda _c, v: waits.append(v))
        keep_running(40.0)
        probes = gui.opens - opens
        assert gui.ctl.state == "reconnecting" and gui.ctl.reason == "connection refused"
        assert cli.proc.poll() is None
        assert max(waits) <= 1.0 and 40 <= probes <= 100, (max(waits), probes)
        bench.start()
        outage = time.monotonic() - down
        back = Back(gui, cli, time.monotonic()).wait(LONG_OUTAGE_LIMIT_S + 5).times
        hear(gui.wav, 440, wav_s[0])
        hear(cli.wav, 440, wav_s[1])
    report(f"outage of {outage:.0f} s ({probes} probes by the GUI player)", [back])
    assert within([back], LONG_OUTAGE_LIMIT_S), back


# -- lazy mirrors -------------------------------------------------------------------
ON_AIR_BYTES = 24_000  # 3 s of the bench's 64 kbit/s: a full enough burst-on-connect


def on_air(bench: IcecastBench, mount: str) -> None:
    """Wait until `mount` starts like a station long on the air (see IcecastBench.fed_bytes)."""
    from tests.support.wait import wait_until

    wait_until(lambda: bench.fed_bytes(mount) >= ON_AIR_BYTES, 10, f"{mount} on the air",
               interval=0.1)

class HangingServer:
    """A loopback TCP server that accepts connections and never answers."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self._sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def hanging() -> Iterator[HangingServer]:
    server = HangingServer()
    yield server
    server.close()


def test_a_direct_first_mirror_plays_at_once_though_the_second_hangs(icecast, hanging,
                                                                      tmp_path) -> None:
    from infra.http import HttpClient

    http = HttpClient(tmp_path / "cache")
    wav = tmp_path / "gui.wav"
    ctl = PlayerController(make_backend(str(wav)), playlist_resolver(http.fetch_head),
                           tasks=task_runner())
    st = station("lazy", "Lazy FM", icecast.url("/b.mp3"), hanging.url("/live.pls"))
    on_air(icecast, "/b.mp3")
    try:
        started = time.monotonic()
        ctl.play(st)
        pump(lambda: duration_s(wav) > 0, 10, "audio in the WAV")
        heard_s = time.monotonic() - started
        pump(lambda: ctl.state == "playing", 10, "playing")
        playing_s = time.monotonic() - started
        hear(wav, 1000, 0.0)
    finally:
        ctl.shutdown()
        http.close()
    print(f"\nlazy mirrors, GUI player: heard {heard_s:.2f} s, playing {playing_s:.2f} s "
          "after play")
    # a bare backend checks the URL before libvlc opens it (player/libvlc_urls.py): one more
    # answer of the server's, which Icecast sends after ~0.35 s here
    assert heard_s < 1.5 and playing_s < 2.0
    assert hanging.accepted == []  # the hanging playlist was never asked for


def test_onair_play_plays_a_direct_first_mirror_at_once_though_the_second_hangs(
        icecast, hanging, tmp_path) -> None:
    stations = tmp_path / "stations.json"
    stations.write_text(json.dumps({"stations": [{
        "id": "lazy", "name": "Lazy FM", "tagline": "", "city": "Loopback", "timezone": "UTC",
        "homepage": None, "logo": None, "schedule": None, "news": None,
        "streams": [{"url": icecast.url("/b.mp3")}, {"url": hanging.url("/live.pls")}]}]}))
    wav = tmp_path / "cli.wav"
    on_air(icecast, "/b.mp3")
    cli = Cli("lazy", wav, stations)
    try:
        pump(lambda: cli.first("connecting Lazy FM", 0) is not None, 20, "connecting")
        started = cli.first("connecting Lazy FM", 0)
        pump(lambda: duration_s(wav) > 0, 10, "audio in the WAV")
        heard_s = time.monotonic() - started
        pump(lambda: cli.first("playing", 0) is not None, 10, "playing")
        playing_s = cli.first("playing", 0) - started
        hear(wav, 1000, 0.0)
    finally:
        code, err = cli.stop()
    assert code == 0, err
    print(f"\nlazy mirrors, onair play: heard {heard_s:.2f} s, playing {playing_s:.2f} s "
          "after connecting")
    assert heard_s < 1.0 and playing_s < 1.5
    assert hanging.accepted == []
