"""Ogg stations held by catch-up, as a listener meets them: real Icecast mounts fed by ffmpeg
(Vorbis, Opus, FLAC in Ogg, each a rising tone), the real player controller with catch-up
on (StreamHolder and Relay, as services.py builds it), real libvlc writing a WAV, checked by
the tone heard; `onair play` as a subprocess on an Ogg mount and on an M3U pointing at one;
and streams the reader cannot hold (a WAV, Ogg Speex), which play directly on the first try.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from player.catchup import NOT_AVAILABLE
from player.controller import PlayerController
from tests.player.conftest import pump, station
from tests.player.test_catchup import LiveSteps, heard_after_reopen, heard_hz, held_player, run_for
from tests.player.test_play_cli import onair
from tests.support.audio import duration_s
from tests.support.icecast import IcecastBench, Mount

MOUNTS = (Mount("/rise.ogg", 400, "vorbis", rising=True),
          Mount("/rise.opus", 400, "opus", rising=True),
          Mount("/rise.oga", 400, "flac", rising=True, quality=()))
TONES = range(400, 1600, 100)  # the rising source's steps


@pytest.fixture(scope="module")
def ogg_icecast() -> Iterator[IcecastBench]:
    with IcecastBench(MOUNTS) as bench:
        yield bench


@pytest.fixture
def player(tmp_path: Path, wav: Path) -> Iterator[PlayerController]:
    yield from held_player(tmp_path, wav)


def states_of(ctl: PlayerController) -> list[str]:
    seen: list[str] = []
    ctl.bind(state=lambda _c, state: seen.append(state))
    return seen


@pytest.mark.icecast
@pytest.mark.parametrize("mount", [m.path for m in MOUNTS])
def test_an_ogg_mount_plays_held_by_catch_up(player, ogg_icecast: IcecastBench, wav: Path,
                                             mount: str) -> None:
    states = states_of(player)
    player.play(station("ogg", "Ogg FM", ogg_icecast.url(mount)))
    pump(lambda: player.state == "playing" and heard_hz(wav) in TONES, 20, "the tone")
    pump(lambda: player.catchup, 5, "catch-up on")
    assert player.catchup_note == ""
    assert "reconnecting" not in states and "error" not in states, states
    fed = time.time() - ogg_icecast.fed_since[mount]
    assert heard_hz(wav) in {400 + 100 * ((int(fed) // 10 + k) % 12) for k in (-1, 0, 1)}


@pytest.mark.icecast
def test_an_opus_station_paused_10_s_resumes_where_it_paused(player, ogg_icecast, wav) -> None:
    player.play(station("opus", "Opus FM", ogg_icecast.url("/rise.opus")))
    live = LiveSteps(player, wav)
    assert player.catchup and player.catchup_note == ""
    live.wait_phase(3.0)
    paused_hz = heard_hz(wav)
    player.pause()
    run_for(10)
    assert player.state == "paused"
    assert 8 <= player.behind_live_s <= 13, player.behind_live_s
    player.resume()
    resumed_hz = heard_after_reopen(player, wav)
    assert resumed_hz == paused_hz, f"heard {resumed_hz} Hz, paused at {paused_hz} Hz"
    assert resumed_hz != live.at(time.monotonic()), "resumed at live, not where it paused"
    player.to_live()
    assert heard_after_reopen(player, wav) == live.at(time.monotonic())
    assert player.behind_live_s == 0


# -- onair play ------------------------------------------------------------------------------
@pytest.mark.icecast
def test_onair_play_on_an_ogg_mount_plays_and_exits_0(ogg_icecast, tmp_path: Path) -> None:
    wav = tmp_path / "cli.wav"
    r = onair(ogg_icecast.url("/rise.opus"), "--seconds", "2", wav=wav)
    assert r.returncode == 0, r.stdout + r.stderr
    assert any(line.endswith(" playing") for line in r.stdout.splitlines()), r.stdout
    assert "reconnecting" not in r.stdout and heard_hz(wav) in TONES


@pytest.mark.icecast
def test_onair_play_on_an_m3u_of_an_ogg_mount(ogg_icecast, httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/list.m3u").respond_with_data(
        f"#EXTM3U\n#EXTINF:-1,Vorbis\n{ogg_icecast.url('/rise.ogg')}\n",
        content_type="audio/x-mpegurl")
    wav = tmp_path / "cli.wav"
    r = onair(httpserver.url_for("/list.m3u"), "--seconds", "2", wav=wav)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "reconnecting" not in r.stdout and heard_hz(wav) in TONES


# -- streams the reader cannot hold ----------------------------------------------------------
def _encoded(tmp_path: Path, name: str, *args: str) -> bytes:
    out = tmp_path / name
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi",
                    "-i", "sine=frequency=700:sample_rate=16000", "-t", "20", *args,
                    str(out)], check=True, timeout=60)
    return out.read_bytes()


@pytest.mark.icecast
@pytest.mark.parametrize(("name", "content_type", "args"), [
    ("tone.wav", "audio/x-wav", ("-ac", "1")),
    ("tone.spx", "audio/ogg", ("-ac", "1", "-c:a", "libspeex", "-f", "ogg")),
])
def test_a_stream_the_reader_cannot_hold_plays_directly_on_the_first_try(
        player, httpserver, tmp_path: Path, wav: Path, name: str, content_type: str,
        args: tuple[str, ...]) -> None:
    httpserver.expect_request(f"/{name}").respond_with_data(
        _encoded(tmp_path, name, *args), content_type=content_type)
    states = states_of(player)
    player.play(station("odd", "Odd FM", httpserver.url_for(f"/{name}")))
    pump(lambda: player.state == "playing" and heard_hz(wav) == 700, 20, "the 700 Hz tone")
    assert player.catchup_note == NOT_AVAILABLE and not player.catchup
    assert states[:1] == ["connecting"] and "reconnecting" not in states, states
    assert "error" not in states, states


@pytest.mark.icecast
def test_a_retitled_vorbis_mount_shows_the_title_and_plays_on(player, ogg_icecast, wav) -> None:
    """Icecast retitles an Ogg Vorbis mount by starting a new chain (EOS, then a BOS with
    the title in its comments): the held stream passes the new header pages on and the
    title is the chain's, heard when the playhead reaches it."""
    player.play(station("ogg", "Ogg FM", ogg_icecast.url("/rise.ogg")))
    pump(lambda: player.state == "playing" and heard_hz(wav) in TONES, 20, "the tone")
    ogg_icecast.set_title("/rise.ogg", "Chained Artist - Chained Song")
    pump(lambda: player.now_playing == "Chained Artist - Chained Song", 30, "the chain's title")
    heard = duration_s(wav)
    pump(lambda: duration_s(wav) > heard + 2 and heard_hz(wav) in TONES, 10,
         "the tone after the new chain")
    assert player.state == "playing" and player.catchup
