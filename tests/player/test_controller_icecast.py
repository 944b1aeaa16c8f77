"""The player controller with libvlc against the real Icecast bench, checked by ear (WAV)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from player.controller import PlayerController
from player.recovery import RetryPolicy
from player.vlc_backend import make_backend
from tests.player.conftest import pump, station
from tests.support.audio import duration_s, hears
from tests.support.icecast import IcecastBench, free_port
from tests.support.tasks import task_runner

pytestmark = pytest.mark.icecast
QUICK = RetryPolicy(max_tries=8, base_s=0.3, cap_s=1.5, rng=random.Random(3))


@pytest.fixture
def player(wav: Path):
    ctl = PlayerController(make_backend(str(wav)), policy=QUICK, stall_s=2.0, tasks=task_runner())
    yield ctl
    ctl.shutdown()


def hear(wav: Path, freq: int, after_s: float, timeout: float = 8.0) -> None:
    """Wait until the last 0.5 s of the WAV holds the tone `freq` and was written after the
    WAV was `after_s` long. libvlc rewrites the WAV from the start when it re-creates its
    audio output (after a dropped stream): a file shorter than `after_s` is all new audio."""
    def ok() -> bool:
        end = duration_s(wav)
        new = end - 0.5 >= after_s or end < after_s
        return end >= 0.5 and new and hears(wav, freq, end - 0.5, end)

    pump(ok, timeout, f"{freq} Hz in {wav.name} after {after_s:.1f} s")


@pytest.mark.parametrize("first,second", [("/a.mp3", "/b.aac"), ("/a.aac", "/b.mp3")],
                         ids=["mp3-to-aac", "aac-to-mp3"])
def test_hear_station_a_then_switch_to_b(player, icecast: IcecastBench, wav: Path,
                                         first: str, second: str) -> None:
    a = station("a", "Station A", icecast.url(first))
    b = station("b", "Station B", icecast.url(second))
    player.play(a)
    pump(lambda: player.state == "playing", 10, "A playing")
    hear(wav, icecast.mount(first).freq_hz, 0.0)
    switched_at = duration_s(wav)
    player.play(b)
    pump(lambda: player.state == "playing" and player.station is b, 10, "B playing")
    hear(wav, icecast.mount(second).freq_hz, switched_at)
    assert player.error == ""


@pytest.mark.parametrize("mount", ["/a.mp3", "/b.aac"])
def test_title_set_on_the_server_reaches_now_playing_within_5_s(player, icecast, mount) -> None:
    player.play(station("a", "Station A", icecast.url(mount)))
    pump(lambda: player.state == "playing", 10, "playing")
    for title in (f"First Artist - First Song {mount}", "Second Artist - Ünïcode Song"):
        icecast.set_title(mount, title)
        pump(lambda t=title: player.now_playing == t, 5, f"title {title!r}")


def test_server_killed_and_restarted_resumes_by_itself(player, live_icecast, wav) -> None:
    seen: list[str] = []
    player.bind(state=lambda _c, s: seen.append(s))
    player.play(station("a", "Station A", live_icecast.url("/a.mp3")))
    pump(lambda: player.state == "playing", 10, "playing")
    live_icecast.stop()
    pump(lambda: player.state == "reconnecting", 15, "reconnecting")
    live_icecast.start()
    restarted_at = duration_s(wav)
    pump(lambda: player.state == "playing", 20, "playing again")
    hear(wav, 440, restarted_at)
    assert seen[-2:] == ["reconnecting", "playing"] and "error" not in seen


def test_frozen_server_is_a_stall_recovered_after_sigcont(player, live_icecast, wav) -> None:
    player.play(station("a", "Station A", live_icecast.url("/a.mp3")))
    pump(lambda: player.state == "playing", 10, "playing")
    live_icecast.freeze()
    pump(lambda: player.state == "reconnecting", 25, "stall detected")
    live_icecast.thaw()
    thawed_at = duration_s(wav)
    pump(lambda: player.state == "playing", 20, "playing after SIGCONT")
    hear(wav, 440, thawed_at)


def test_pls_whose_first_entry_is_dead_plays_the_second(httpserver, icecast, wav, tmp_path):
    from infra.http import HttpClient
    from player.controller import playlist_resolver

    dead = f"http://127.0.0.1:{free_port()}/dead.mp3"
    pls = f"[playlist]\nNumberOfEntries=2\nFile1={dead}\nFile2={icecast.url('/b.aac')}\n"
    httpserver.expect_request("/live.pls").respond_with_data(pls, content_type="audio/x-scpls")
    http = HttpClient(tmp_path / "cache")
    ctl = PlayerController(make_backend(str(wav)), playlist_resolver(http.fetch_head),
                           policy=QUICK, stall_s=2.0, tasks=task_runner())
    seen: list[str] = []
    ctl.bind(state=lambda _c, s: seen.append(s))
    try:
        ctl.play(station("p", "Playlist FM", httpserver.url_for("/live.pls")))
        pump(lambda: ctl.state == "playing", 15, "playing")
        hear(wav, 1000, 0.0)
        assert "reconnecting" in seen  # the dead first entry was tried, then the second
    finally:
        ctl.shutdown()
        http.close()


@pytest.mark.parametrize("url,words", [
    ("file:///etc/passwd", 'scheme "file" is not http or https'),
    ("--audio-filter=x", "starts with an option character"),
    ("http://", "no host"),
])
def test_unsafe_or_garbage_stream_urls_give_a_clear_error(player, url, words) -> None:
    player.play(station("x", "Bad FM", url))
    pump(lambda: player.state == "error", 5, "error")
    assert player.error.startswith("Bad FM: ") and words in player.error


def test_unreachable_stream_ends_in_an_error_a_person_understands(wav) -> None:
    ctl = PlayerController(make_backend(str(wav)),
                           policy=RetryPolicy(max_tries=3, base_s=0.1, cap_s=0.2),
                           tasks=task_runner())
    try:
        ctl.play(station("k", "KCUR 89.3", f"http://127.0.0.1:{free_port()}/kcur.mp3"))
        pump(lambda: ctl.state == "error", 10, "error")
        assert ctl.error == ("KCUR 89.3: the stream could not be reached (connection refused) "
                             "after 3 tries")
    finally:
        ctl.shutdown()
