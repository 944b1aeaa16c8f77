"""Catch-up in the player: the controller with the real engine (StreamHolder, Relay), the
real Icecast bench with the rising-tone source (the tone steps every 10 s, so the heard
frequency tells the moment playing) and real libvlc writing a WAV, checked by ear.

Moments are found by listening, not computed from the source: a test first hears a step
of the tone begin at live (`LiveSteps`), then acts in the middle of a step, so a second of
reopening never puts the heard tone across a step boundary.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.http import HttpClient
from player.catchup import LIVE_SNAP_S, NOT_AVAILABLE, CatchUp, Span, playhead, target
from player.controller import PlayerController
from player.holder import StreamHolder
from player.recovery import RetryPolicy
from player.relay import Relay
from player.vlc_backend import make_backend
from tests.player.conftest import pump, station
from tests.support.audio import analyse, duration_s
from tests.support.icecast import RISE_STEP_HZ, RISE_STEP_S, RISE_STEPS, IcecastBench, free_port
from tests.support.tasks import task_runner

T = 1_800_000_000.0
QUICK = RetryPolicy(max_tries=3, base_s=0.3, cap_s=1.0, rng=random.Random(5))


# -- the playhead arithmetic (pure) ----------------------------------------------------------
def test_playhead_is_live_or_the_anchor_plus_what_was_played() -> None:
    span = Span(T, T + 600)
    assert playhead(None, 12.0, span) == T + 600  # live: whatever was played
    assert playhead(T + 100, 15.5, span) == T + 115.5
    assert playhead(T + 590, 60.0, span) == T + 600  # never past live


def test_a_move_is_clamped_to_the_span_and_near_live_is_live() -> None:
    span = Span(T, T + 600)
    assert target(T + 300, span) == T + 300
    assert target(T - 50, span) == T  # before the oldest moment held: the oldest
    assert target(T + 600 - LIVE_SNAP_S / 2, span) is None
    assert target(T + 10_000, span) is None
    assert Span(T + 0.4, T + 9.6, ((T + 1.2, T + 2.7),)).rounded() == \
        Span(T, T + 10, ((T + 1, T + 3),))


class FakeBuffer:
    def __init__(self) -> None:
        self.start, self.end, self.gaps = T, T + 600, [(T + 100, T + 110)]

    def title_at(self, moment: float) -> str:
        return "" if moment < T + 20 else "Early" if moment < T + 300 else "Late"

    def titles_between(self, t0: float, t1: float) -> list[tuple[float, str]]:
        return [(t, title) for t, title in ((T + 20, "Early"), (T + 300, "Late"))
                if t0 <= t < t1]


class FakeReader:
    def __init__(self, url: str, buffer: FakeBuffer) -> None:
        self.url, self.buffer, self.joined_lag_s, self.ended = url, buffer, 8.0, False
        self.holdable = True


class FakeHolder:
    """The holder's contract (player/holder.py): one reader per URL, an ended one replaced
    on the same buffer, counted users."""

    def __init__(self) -> None:
        self.readers: dict[str, FakeReader] = {}
        self.users: dict[str, int] = {}

    def acquire(self, url: str, *, reconnect: bool = False) -> FakeReader:
        reader = self.readers.get(url)
        if reader is None or reader.ended:
            reader = FakeReader(url, reader.buffer if reader else FakeBuffer())
            self.readers[url] = reader
        self.users[url] = self.users.get(url, 0) + 1
        return reader

    def release(self, reader: FakeReader) -> None:
        self.users[reader.url] -= 1


class FakeRelay:
    def url_for(self, reader: FakeReader, at: float | None = None) -> str:
        return f"relay:{reader.url}@{at}"

    def forget(self, reader: FakeReader) -> None:
        pass


def test_catch_up_logic_over_a_fake_holder() -> None:
    holder = FakeHolder()
    c = CatchUp(holder, FakeRelay())
    assert c.open("http://h/a.mp3") == "relay:http://h/a.mp3@None"  # live
    assert c.span() == Span(T, T + 592, ((T + 100, T + 110),))  # live: the edge less the burst
    assert c.behind_live_s(5.0) == 0 and c.title_at(0) == "Late"
    c.pin()  # paused at live
    assert c.behind_live_s(0) == 0
    holder.readers["http://h/a.mp3"].buffer.end += 15  # 15 s later
    assert c.behind_live_s(0) == 15
    holder.readers["http://h/a.mp3"].ended = True  # the reader failed meanwhile
    assert c.open("http://h/a.mp3") == f"relay:http://h/a.mp3@{T + 592}"  # where it paused
    assert holder.users["http://h/a.mp3"] == 1  # replaced, counted once, same buffer
    c.settle(10.0)
    assert c.playhead(0) == T + 602  # 10 s played from where it paused
    assert c.move_by(-700) and c.playhead(0) == T  # clamped to the oldest held
    assert c.title_at(0) == "Early"  # before the first title held: the first one
    assert c.title_at(25) == "Early"
    assert c.move_to(T + 10_000) and c.behind_live_s(0) == 0  # past live is live
    assert not c.move_to(T + 10_000) and not c.to_live()  # live to live: nothing moves
    assert c.open("https://h/live.m3u8") == "https://h/live.m3u8"  # HLS: libvlc's own
    assert c.note == NOT_AVAILABLE and not c.held and holder.users["http://h/a.mp3"] == 0
    assert CatchUp().open("http://h/a.mp3") == "http://h/a.mp3"  # off: no holder, no relay


# -- with the real engine ------------------------------------------------------------------
@pytest.fixture
def player(tmp_path: Path, wav: Path) -> Iterator[PlayerController]:
    yield from held_player(tmp_path, wav)


def held_player(tmp_path: Path, wav: Path) -> Iterator[PlayerController]:
    """The player with catch-up on, as services.py builds it (a fixture's body)."""
    http = HttpClient(tmp_path / "http")
    holder = StreamHolder(http, tmp_path / "catchup", max_seconds=600, max_bytes=50 << 20)
    relay = Relay()
    relay.start()
    ctl = PlayerController(make_backend(str(wav)), policy=QUICK, tasks=task_runner(),
                           catchup=CatchUp(holder, relay))
    yield ctl
    ctl.shutdown()
    relay.close()
    holder.close()
    http.close()
    assert not list((tmp_path / "catchup").glob("stream-*/*")), "a buffer was left on disk"


def heard_hz(wav: Path) -> int:
    """The tone of the last half second written, to the step (100 Hz)."""
    end = duration_s(wav)
    freq, rms = analyse(wav, end - 0.5, end) if end > 0.6 else (0.0, 0.0)
    return round(freq / RISE_STEP_HZ) * RISE_STEP_HZ if rms > 0.05 else 0


def step_hz(hz: int, steps: int) -> int:
    """The tone `steps` steps after the tone `hz` (the source's 400 Hz + 100 Hz steps)."""
    return 400 + RISE_STEP_HZ * (((hz - 400) // RISE_STEP_HZ + steps) % RISE_STEPS)


def run_for(seconds: float) -> None:
    """Let `seconds` pass with the Kivy clock running (a listener waiting)."""
    end = time.monotonic() + seconds
    pump(lambda: time.monotonic() >= end, seconds + 5, f"{seconds} s")


def heard_after_reopen(ctl: PlayerController, wav: Path) -> int:
    """The tone once the reopened stream has played 1.5 s."""
    pump(lambda: ctl.state == "playing" and ctl.connected_s >= 1.5, 15, "audio again")
    return heard_hz(wav)


class LiveSteps:
    """The live tone's steps, heard: the wall time a step began and its tone."""

    def __init__(self, ctl: PlayerController, wav: Path) -> None:
        pump(lambda: ctl.state == "playing" and heard_hz(wav) > 0, 20, "the tone")
        first = heard_hz(wav)
        pump(lambda: heard_hz(wav) not in (0, first), RISE_STEP_S + 10, "a step of the tone")
        self.began, self.hz = time.monotonic(), heard_hz(wav)

    def at(self, when: float) -> int:
        """The live tone at monotonic time `when`."""
        return step_hz(self.hz, int((when - self.began) // RISE_STEP_S))

    def wait_phase(self, phase_s: float) -> None:
        """Until `phase_s` seconds into a step (the next such moment)."""
        now = time.monotonic()
        into = (now - self.began) % RISE_STEP_S
        run_for((phase_s - into) % RISE_STEP_S)


@pytest.mark.icecast
def test_pause_15_s_then_resume_plays_the_moment_paused_at(player, rising_icecast: IcecastBench,
                                                           wav: Path) -> None:
    player.play(station("rise", "Rising", rising_icecast.url("/rise.mp3")))
    live = LiveSteps(player, wav)
    assert player.catchup and player.catchup_note == ""
    live.wait_phase(3.0)
    paused_hz = heard_hz(wav)
    player.pause()
    run_for(15)
    assert player.state == "paused"
    assert 13 <= player.behind_live_s <= 18, player.behind_live_s
    player.resume()
    resumed_hz = heard_after_reopen(player, wav)
    assert resumed_hz == paused_hz, f"heard {resumed_hz} Hz, paused at {paused_hz} Hz"
    assert resumed_hz != live.at(time.monotonic()), "resumed at live, not where it paused"
    assert 14 <= player.behind_live_s <= 20, player.behind_live_s


@pytest.mark.icecast
def test_left_goes_back_30_s_and_end_back_to_live(player, rising_icecast: IcecastBench,
                                                 wav: Path) -> None:
    player.play(station("rise", "Rising", rising_icecast.url("/rise.aac")))
    live = LiveSteps(player, wav)
    pump(lambda: player.buffer_span is not None
         and player.buffer_span.live - player.buffer_span.start >= 36, 45, "36 s held")
    live.wait_phase(3.0)
    at_live = live.at(time.monotonic())
    player.skip(-30)
    assert heard_after_reopen(player, wav) == step_hz(at_live, -3)  # three steps back
    assert 28 <= player.behind_live_s <= 33, player.behind_live_s
    live.wait_phase(3.0)
    player.to_live()
    assert heard_after_reopen(player, wav) == live.at(time.monotonic())
    assert player.behind_live_s == 0


@pytest.mark.icecast
def test_a_stream_that_cannot_be_held_plays_without_catch_up(player, wav: Path) -> None:
    from tests.support.hls import HlsStream

    with HlsStream(freq_hz=700) as hls:
        player.play(station("hls", "HLS station", hls.url))
        pump(lambda: player.state == "playing" and heard_hz(wav) == 700, 30, "the HLS tone")
        assert player.catchup_note == NOT_AVAILABLE
        assert not player.catchup and player.buffer_span is None
        player.skip(-30)  # nothing held: nothing moves
        assert player.state == "playing"
        player.pause()
        player.resume()
        pump(lambda: player.state == "playing", 30, "playing again")
        assert player.catchup_note == NOT_AVAILABLE


@pytest.mark.icecast
def test_a_reader_that_cannot_connect_fails_through_the_usual_recovery(player) -> None:
    url = f"http://127.0.0.1:{free_port()}/live.mp3"
    player.play(station("gone", "Gone FM", url))
    pump(lambda: player.state == "error", 30, "the error")
    assert "Gone FM" in player.error and "connection refused" in player.error, player.error
    assert not player.catchup
