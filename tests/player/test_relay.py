"""player.relay: libvlc plays the held stream from a moment through the loopback relay.

The rising-tone bench (tests/conftest.py `rising_icecast`: +100 Hz every 10 s) tells which
moment of the stream is heard: played from 20 s ago, libvlc is heard at the tone of 20 s
ago; played live, at the tone a direct player hears."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from infra.http import HttpClient
from player.frames import FrameSplitter
from player.relay import Relay, live_moment
from player.stream_reader import StreamReader
from player.vlc_backend import make_backend
from tests.support.audio import analyse, duration_s
from tests.support.icecast import RISE_STEP_S, IcecastBench, rising_tone_hz
from tests.support.wait import wait_until

pytestmark = pytest.mark.icecast
HEARD_FROM, HEARD_TO = 0.3, 1.3  # the window of the WAV analysed, seconds after its start


@pytest.fixture
def http(tmp_path: Path):
    client = HttpClient(tmp_path / "cache")
    yield client
    client.close()


@pytest.fixture
def relay():
    server = Relay()
    server.start()
    yield server
    server.close()


@pytest.fixture
def hold(tmp_path: Path, http: HttpClient):
    made: list[StreamReader] = []

    def make(url: str) -> StreamReader:
        reader = StreamReader(url, http, tmp_path / "buffers", max_seconds=600,
                              max_bytes=20_000_000)
        made.append(reader)
        reader.start()
        return reader

    yield make
    for reader in made:
        reader.stop()
        if reader.buffer is not None:
            reader.buffer.close()


def mid_step(bench: IcecastBench, mount: str, moment: float) -> bool:
    """The heard window of a playback from `moment` falls well inside one tone step."""
    into = (moment + (HEARD_FROM + HEARD_TO) / 2 - bench.fed_since[mount]) % RISE_STEP_S
    return 3.5 <= into <= RISE_STEP_S - 3.5


def heard(url: str, wav: Path) -> float:
    """libvlc plays `url` into `wav`: the tone of its first second."""
    backend = make_backend(str(wav))
    try:
        backend.open(url, live=True)
        backend.play()
        wait_until(lambda: duration_s(wav) > HEARD_TO + 0.2, 15, "audio in the WAV",
                   interval=0.05)
        freq, rms = analyse(wav, HEARD_FROM, HEARD_TO)
        assert rms > 0.02, f"silent: {rms}"
        return freq
    finally:
        backend.shutdown()


@pytest.mark.parametrize("mount", ["/rise.mp3", "/rise.aac"])
def test_libvlc_hears_the_moment_asked_for(rising_icecast: IcecastBench, hold, relay,
                                           tmp_path: Path, mount: str) -> None:
    bench = rising_icecast
    reader = hold(bench.url(mount))
    assert reader.wait_ready(10), reader.error
    buffer = reader.buffer
    wait_until(lambda: buffer.start < time.time() - 22, 40, "22 s held", interval=0.2)

    wait_until(lambda: mid_step(bench, mount, time.time() - 20), 12, "mid-step", interval=0.05)
    at = time.time() - 20
    past = heard(relay.url_for(reader, at), tmp_path / "past.wav")
    expected_past = rising_tone_hz(400, at + 0.8 - bench.fed_since[mount])
    assert abs(past - expected_past) < 25, (past, expected_past)

    wait_until(lambda: mid_step(bench, mount, live_moment(reader)), 12, "mid-step",
               interval=0.05)
    live = live_moment(reader)
    now = heard(relay.url_for(reader), tmp_path / "live.wav")
    expected_live = rising_tone_hz(400, live + 0.8 - bench.fed_since[mount])
    assert abs(now - expected_live) < 25, (now, expected_live)
    assert expected_live != expected_past


def test_the_relay_sends_whole_frames_with_the_stream_type_and_no_metadata(
        icecast: IcecastBench, hold, relay) -> None:
    mount = "/a.aac"
    icecast.set_title(mount, "Relay - No Metadata Here")
    reader = hold(icecast.url(mount))
    assert reader.wait_ready(10)
    with urllib.request.urlopen(relay.url_for(reader, at=0), timeout=10) as resp:
        assert resp.headers["Content-Type"] == "audio/aac"
        assert "icy-metaint" not in {k.lower() for k in resp.headers}
        data = resp.read(30000)
        splitter = FrameSplitter("aac")
        frames = splitter.feed(data)
        assert splitter.skipped == 0 and len(frames) > 50
        assert b"StreamTitle" not in data
        reader.stop()  # the reader ends: the answer ends once all it held was sent
        began = time.monotonic()
        rest = resp.read()
        assert time.monotonic() - began < 10
    total = FrameSplitter("aac")
    total.feed(data + rest)
    assert total.skipped == 0


def test_a_failed_reader_answers_502_and_an_unknown_token_404(
        icecast: IcecastBench, hold, relay) -> None:
    reader = hold(icecast.url("/nowhere.aac"))
    url = relay.url_for(reader)
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(url, timeout=15)
    assert failed.value.code == 502
    relay.forget(reader)
    with pytest.raises(urllib.error.HTTPError) as unknown:
        urllib.request.urlopen(url, timeout=15)
    assert unknown.value.code == 404
