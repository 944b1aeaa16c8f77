"""What only the libvlc backend does: MRLs, install hints, WAV output, one open per stream."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from player import vlc_backend
from player.errors import BadInput, OnAirError
from player.vlc_backend import libvlc_mrl, make_backend
from tests.support.audio import analyse, duration_s
from tests.support.icecast import IcecastBench


def test_plain_http_uses_the_icy_access_https_and_hls_keep_their_scheme() -> None:
    assert libvlc_mrl("http://host:8000/kcur") == "icyx://host:8000/kcur"
    assert libvlc_mrl("HTTP://host/a.mp3") == "icyx://host/a.mp3"
    assert libvlc_mrl("https://host/a.mp3") == "https://host/a.mp3"
    assert libvlc_mrl("http://host/live/index.m3u8") == "http://host/live/index.m3u8"
    assert libvlc_mrl("http://host/newscast.mp3", live=False) == "http://host/newscast.mp3"


def test_missing_libvlc_names_the_packages(monkeypatch) -> None:
    monkeypatch.setattr(vlc_backend, "vlc", None)
    with pytest.raises(OnAirError, match="libvlc5 and vlc-plugin-base"):
        make_backend(None)


def test_refused_instance_names_the_packages(monkeypatch) -> None:
    monkeypatch.setattr(vlc_backend.vlc, "Instance", lambda *args: None)
    with pytest.raises(OnAirError, match="libvlc did not start.*vlc-plugin-base"):
        make_backend(None)


def test_audio_file_in_a_missing_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="ONAIR_AUDIO_FILE .*: its folder does not exist"):
        make_backend(str(tmp_path / "nowhere" / "out.wav"))


def wait_for(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.mark.icecast
def test_audio_goes_to_the_wav(icecast: IcecastBench, tmp_path: Path) -> None:
    wav = tmp_path / "out.wav"
    backend = make_backend(str(wav))
    try:
        backend.open(icecast.url("/b.aac"), live=True)
        backend.play()
        wait_for(lambda: duration_s(wav) > 1.0, 8, "1 s of audio")
        freq, rms = analyse(wav, duration_s(wav) - 0.5)
        assert abs(freq - 1000) < 15 and rms > 0.03
    finally:
        backend.shutdown()


@pytest.mark.icecast
def test_an_icecast_stream_is_opened_once(icecast: IcecastBench, tmp_path: Path) -> None:
    mount = "/b.mp3"
    before = icecast.access_log.read_text().count(f"GET {mount} ")
    backend = make_backend(str(tmp_path / "once.wav"))
    try:
        icecast.set_title(mount, "Once - Only")
        backend.open(icecast.url(mount), live=True)
        backend.play()
        wait_for(lambda: backend.now_playing() == "Once - Only", 8, "title")
    finally:
        backend.shutdown()
    # Icecast logs a listener when it leaves
    wait_for(lambda: icecast.access_log.read_text().count(f"GET {mount} ") > before, 5, "log")
    assert icecast.access_log.read_text().count(f"GET {mount} ") == before + 1
