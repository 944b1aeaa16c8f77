"""Only vetted URLs reach libvlc, redirects included (player/libvlc_urls.py): real loopback
servers redirect a stream, an HLS playlist and an on-demand file (the newscast's way) to
file:, smb:, data: and through a second hop to file:; libvlc never opens the target (a
local WAV of a tone of its own is never heard) and the try ends in an error naming it. A
plain http -> http redirect still plays."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import pytest
from werkzeug import Response

from infra.http import HttpClient
from player.libvlc_urls import UrlGate
from player.vlc_backend import make_backend
from tests.support.audio import analyse, duration_s
from tests.support.hls import HlsStream
from tests.support.redirects import SERVED_HZ, make_tones, refused_targets
from tests.support.wait import wait_until


@pytest.fixture(scope="module")
def tones(tmp_path_factory) -> dict[str, Path]:
    return make_tones(tmp_path_factory.mktemp("tones"))


class Played:
    """A backend over a real libvlc writing to a WAV, its events recorded."""

    def __init__(self, tmp_path: Path) -> None:
        self.wav = tmp_path / "out.wav"
        self.http = HttpClient(tmp_path / "cache")
        self.backend = make_backend(str(self.wav), UrlGate(self.http))
        self.events: list[str] = []
        self.backend.set_listener(lambda event: self.events.append(event.kind))

    def play(self, url: str, *, live: bool) -> None:
        self.backend.open(url, live=live)
        self.backend.play()

    def close(self) -> None:
        self.backend.shutdown()
        self.http.close()


@pytest.fixture
def played(tmp_path: Path):
    p = Played(tmp_path)
    yield p
    p.close()


@pytest.mark.parametrize("what", ["stream", "hls", "ondemand"])
@pytest.mark.parametrize("target", ["file", "smb", "data", "second hop"])
def test_a_redirect_to_another_scheme_never_reaches_libvlc(
        played: Played, tones, httpserver, caplog, what: str, target: str) -> None:
    caplog.set_level(logging.INFO, "player.vlc_backend")
    location = refused_targets(tones, httpserver)[target]
    path = {"stream": "/live", "hls": "/live.m3u8", "ondemand": "/newscast.mp3"}[what]
    httpserver.expect_request(path).respond_with_response(
        Response(status=302, headers={"Location": location}))
    played.play(httpserver.url_for(path), live=what != "ondemand")
    wait_until(lambda: "error" in played.events, 15, "the refusal")
    assert "playing" not in played.events
    assert not played.wav.exists() or duration_s(played.wav) == 0.0
    refused = [r.getMessage() for r in caplog.records if "not opened" in r.getMessage()]
    shown = tones["secret"].as_uri() if target in ("file", "second hop") else location[:20]
    assert len(refused) == 1 and "refused" in refused[0] and shown[:20] in refused[0]


@pytest.mark.parametrize("entry", ["file", "smb", "data"])
def test_an_hls_playlist_listing_another_scheme_is_refused(played: Played, tones, httpserver,
                                                           caplog, entry: str) -> None:
    caplog.set_level(logging.INFO, "player.vlc_backend")
    uri = refused_targets(tones, httpserver)[entry]
    httpserver.expect_request("/master.m3u8").respond_with_data(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=64000\nmedia.m3u8\n",
        content_type="application/vnd.apple.mpegurl")
    httpserver.expect_request("/media.m3u8").respond_with_data(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5,\nseg0.ts\n#EXTINF:5,\n{uri}\n",
        content_type="application/vnd.apple.mpegurl")
    httpserver.expect_request("/hls").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/master.m3u8")}))
    played.play(httpserver.url_for("/hls"), live=True)
    wait_until(lambda: "error" in played.events, 15, "the refusal")
    assert not played.wav.exists() or duration_s(played.wav) == 0.0
    refused = [r.getMessage() for r in caplog.records if "not opened" in r.getMessage()]
    assert len(refused) == 1 and "it lists" in refused[0]


@pytest.mark.parametrize("live", [True, False], ids=["stream", "ondemand"])
def test_an_http_to_http_redirect_still_plays(played: Played, tones, httpserver,
                                              live: bool) -> None:
    httpserver.expect_request("/tone.mp3").respond_with_data(
        tones["served"].read_bytes(), content_type="audio/mpeg")
    httpserver.expect_request("/hop").respond_with_response(
        Response(status=302, headers={"Location": httpserver.url_for("/tone.mp3")}))
    httpserver.expect_request("/listen").respond_with_response(
        Response(status=301, headers={"Location": "/hop"}))  # relative: against the answer
    played.play(httpserver.url_for("/listen"), live=live)
    wait_until(lambda: duration_s(played.wav) > 1.5, 15, "1.5 s of audio")
    freq, rms = analyse(played.wav, duration_s(played.wav) - 1.0)
    assert abs(freq - SERVED_HZ) < 15 and rms > 0.03


def test_a_refused_redirect_is_one_clear_line_from_the_http_client(tmp_path: Path, tones,
                                                                    httpserver) -> None:
    httpserver.expect_request("/r").respond_with_response(
        Response(status=302, headers={"Location": tones["secret"].as_uri()}))
    http = HttpClient(tmp_path / "cache")
    try:
        with pytest.raises(Exception) as err:
            http.fetch_head(httpserver.url_for("/r"))
    finally:
        http.close()
    assert type(err.value).__name__ == "RefusedTarget"  # a SourceUnavailable: exit code 3
    assert str(err.value) == (f'Stream: redirect to "{tones["secret"].as_uri()}" refused: '
                              f'scheme "file" is not http or https ({httpserver.url_for("/r")})')


def test_an_hls_variant_that_redirects_to_a_file_is_refused(played: Played, tones, httpserver,
                                                            caplog) -> None:
    caplog.set_level(logging.INFO, "player.vlc_backend")
    httpserver.expect_request("/master.m3u8").respond_with_data(
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=64000\nvariant.m3u8\n",
        content_type="application/vnd.apple.mpegurl")
    httpserver.expect_request("/variant.m3u8").respond_with_response(
        Response(status=302, headers={"Location": tones["secret"].as_uri()}))
    played.play(httpserver.url_for("/master.m3u8"), live=True)
    wait_until(lambda: "error" in played.events, 15, "the refusal")
    assert not played.wav.exists() or duration_s(played.wav) == 0.0
    refused = [r.getMessage() for r in caplog.records if "not opened" in r.getMessage()]
    assert len(refused) == 1
    assert f'redirect to "{tones["secret"].as_uri()}" refused' in refused[0]


def test_a_real_hls_stream_behind_a_redirect_plays(played: Played, httpserver) -> None:
    with HlsStream(freq_hz=700) as hls:
        httpserver.expect_request("/listen.m3u8").respond_with_response(
            Response(status=302, headers={"Location": hls.url}))
        played.play(httpserver.url_for("/listen.m3u8"), live=True)
        wait_until(lambda: duration_s(played.wav) > 2.0, 20, "2 s of the HLS stream")
        freq, rms = analyse(played.wav, duration_s(played.wav) - 1.0)
    assert abs(freq - 700) < 15 and rms > 0.03


def test_a_hung_check_does_not_hold_the_next_open(played: Played, tones, httpserver) -> None:
    """A server that takes the connection and never answers: the next station's open goes
    ahead at once, without waiting for the check's 10 s read timeout."""
    httpserver.expect_request("/tone.mp3").respond_with_data(
        tones["served"].read_bytes(), content_type="audio/mpeg")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        silent.settimeout(10)
        played.play(f"http://127.0.0.1:{silent.getsockname()[1]}/live", live=True)
        conn, _addr = silent.accept()  # the check is waiting for an answer that never comes
        with conn:
            started = time.monotonic()
            played.play(httpserver.url_for("/tone.mp3"), live=True)
            wait_until(lambda: duration_s(played.wav) > 0.5, 8, "the next station's audio")
            assert time.monotonic() - started < 5.0
