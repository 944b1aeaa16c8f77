"""The redirect checks as the app meets them (player/libvlc_urls.py wired by services.py):
`onair play` of a stream, an HLS playlist and ASX / XSPF playlists whose entries redirect
to file:, smb:, data: or through a second hop to file: ends in one line naming the refused
target, and the local WAV's tone is never heard; the newscast (the player's on-demand
play) the same. Legitimate http -> http redirects play."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from werkzeug import Response

from services import Services
from tests.player.conftest import pump
from tests.support.audio import analyse, duration_s
from tests.support.redirects import SERVED_HZ, make_tones, refused_targets
from tests.support.repo import REPO_ROOT

PLAYLISTS = {
    "asx": ('<ASX version="3.0"><Title>Radio</Title><Entry><Ref HREF="{entry}"/></Entry></ASX>',
            "video/x-ms-asf"),
    "xspf": ('<?xml version="1.0" encoding="UTF-8"?><playlist version="1" '
             'xmlns="http://xspf.org/ns/0/"><trackList><track><location>{entry}</location>'
             '</track></trackList></playlist>', "application/xspf+xml"),
}


@pytest.fixture(scope="module")
def tones(tmp_path_factory) -> dict[str, Path]:
    return make_tones(tmp_path_factory.mktemp("tones"))


def _play(url: str, wav: Path, seconds: str = "2") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ONAIR_AUDIO_FILE=str(wav))
    return subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "play", url,
                           "--seconds", seconds], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


def _serve(httpserver, what: str, location: str) -> str:
    """The URL `onair play` is given for `what`, leading to `location`."""
    httpserver.expect_request("/hop").respond_with_response(
        Response(status=302, headers={"Location": location}))
    if what in PLAYLISTS:
        body, ctype = PLAYLISTS[what]
        httpserver.expect_request(f"/radio.{what}").respond_with_data(
            body.format(entry=httpserver.url_for("/hop")), content_type=ctype)
        return httpserver.url_for(f"/radio.{what}")
    return httpserver.url_for("/hop")


@pytest.mark.parametrize("what", ["stream", "hls", "asx", "xspf"])
@pytest.mark.parametrize("target", ["file", "smb", "data", "second hop"])
def test_onair_play_refuses_a_redirect_to_another_scheme(tones, httpserver,
                                                        tmp_path: Path, what: str,
                                                        target: str) -> None:
    location = refused_targets(tones, httpserver)[target]
    if what == "hls":
        httpserver.expect_request("/live.m3u8").respond_with_response(
            Response(status=302, headers={"Location": location}))
        url = httpserver.url_for("/live.m3u8")
    else:
        url = _serve(httpserver, what, location)
    wav = tmp_path / "out.wav"
    run = _play(url, wav)
    assert run.returncode == 3, run.stderr
    last = run.stderr.strip().splitlines()
    assert len(last) == 1 and last[0].startswith("onair: ")
    assert "refused" in last[0] and "Traceback" not in run.stderr
    if target in ("file", "second hop"):
        assert f'redirect to "{tones["secret"].as_uri()}" refused' in last[0]
    assert not wav.exists() or duration_s(wav) == 0.0  # the local tone never played


@pytest.mark.parametrize("what", ["stream", "asx", "xspf"])
def test_onair_play_follows_an_http_redirect(tones, httpserver, tmp_path: Path,
                                             what: str) -> None:
    httpserver.expect_request("/tone.mp3").respond_with_data(
        tones["served"].read_bytes(), content_type="audio/mpeg")
    url = _serve(httpserver, what, httpserver.url_for("/tone.mp3"))
    wav = tmp_path / "out.wav"
    run = _play(url, wav)
    assert run.returncode == 0, run.stderr
    freq, rms = analyse(wav, 0.5)
    assert abs(freq - SERVED_HZ) < 15 and rms > 0.03


@pytest.mark.parametrize("target", ["file", "second hop"])
def test_the_newscast_refuses_a_redirect_to_a_file(tones, httpserver, tmp_path: Path,
                                                   target: str) -> None:
    location = refused_targets(tones, httpserver)[target]
    httpserver.expect_request("/newscast.mp3").respond_with_response(
        Response(status=302, headers={"Location": location}))
    wav = tmp_path / "out.wav"
    services = Services(env={**os.environ, "ONAIR_AUDIO_FILE": str(wav),
                             "ONAIR_CACHE_DIR": str(tmp_path / "cache")})
    ctl = services.player()
    try:
        ctl.play_ondemand(httpserver.url_for("/newscast.mp3"), "NPR News: 10 AM")
        pump(lambda: ctl.state == "error", 30, "the refusal")
        assert f'redirect to "{tones["secret"].as_uri()}" refused' in ctl.error
        assert not wav.exists() or duration_s(wav) == 0.0
    finally:
        ctl.shutdown()
        services.close()


def test_the_newscast_follows_an_http_redirect(tones, httpserver, tmp_path: Path) -> None:
    httpserver.expect_request("/cast.mp3").respond_with_data(
        tones["served"].read_bytes(), content_type="audio/mpeg")
    httpserver.expect_request("/newscast.mp3").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/cast.mp3")}))
    wav = tmp_path / "out.wav"
    services = Services(env={**os.environ, "ONAIR_AUDIO_FILE": str(wav),
                             "ONAIR_CACHE_DIR": str(tmp_path / "cache")})
    ctl = services.player()
    try:
        ctl.play_ondemand(httpserver.url_for("/newscast.mp3"), "NPR News: 10 AM")
        pump(lambda: ctl.state == "playing" and duration_s(wav) > 1.5, 15, "the newscast")
        freq, rms = analyse(wav, duration_s(wav) - 1.0)
        assert abs(freq - SERVED_HZ) < 15 and rms > 0.03
    finally:
        ctl.shutdown()
        services.close()
