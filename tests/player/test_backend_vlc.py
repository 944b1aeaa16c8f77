"""What only the libvlc backend does: MRLs, install hints, WAV output, one open per stream."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.errors import BadInput, OnAirError
from player import vlc_backend
from player.vlc_backend import libvlc_mrl, make_backend
from tests.support.audio import analyse, duration_s
from tests.support.icecast import IcecastBench
from tests.support.wait import wait_until


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


def test_wav_analysis_reads_a_file_still_being_written(tmp_path: Path) -> None:
    """libvlc writes the RIFF sizes only when it closes the file: here they are 0."""
    import struct

    import numpy as np

    rate = 44100
    t = np.arange(rate) / rate
    tone = np.concatenate([np.zeros(rate // 2), 0.5 * np.sin(2 * np.pi * 1000 * t)])
    pcm = np.repeat((tone * 32767).astype("<i2"), 2).tobytes()  # stereo
    header = (b"RIFF" + struct.pack("<I", 0) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 2, rate, rate * 4, 4, 16) + b"data" + struct.pack("<I", 0))
    wav = tmp_path / "growing.wav"
    wav.write_bytes(header + pcm + b"\x01")  # a torn last frame too
    assert abs(duration_s(wav) - 1.5) < 0.001
    assert analyse(wav, 0.0, 0.5) == (0.0, 0.0)
    freq, rms = analyse(wav, 0.5)
    assert abs(freq - 1000) < 2 and abs(rms - 0.5 / 2 ** 0.5) < 0.01


def wait_for(cond, timeout: float, what: str) -> None:
    wait_until(cond, timeout, what, interval=0.05)


@pytest.mark.icecast
def test_audio_goes_to_the_wav(icecast: IcecastBench, tmp_path: Path) -> None:
    wav = tmp_path / "out.wav"
    backend = make_backend(str(wav))
    try:
        # MP3: a bare backend has no open timeout, and libvlc 3.0 now and then loses sync
        # for good on an AAC stream joined mid-frame (the controller recovers from that)
        backend.open(icecast.url("/b.mp3"), live=True)
        backend.play()
        wait_for(lambda: duration_s(wav) > 1.0, 8, "1 s of audio")
        freq, rms = analyse(wav, duration_s(wav) - 0.5)
        assert abs(freq - 1000) < 15 and rms > 0.03
    finally:
        backend.shutdown()


@pytest.mark.icecast
def test_an_icecast_stream_is_opened_once(icecast: IcecastBench, tmp_path: Path) -> None:
    """By libvlc: the app's own check of the URL before it (player/libvlc_urls.py, its
    User-Agent OnAir/...) is one short request of its own."""
    mount = "/b.mp3"

    def by_libvlc() -> int:
        return sum(1 for line in icecast.access_log.read_text().splitlines()
                   if f"GET {mount} " in line and '"OnAir/' not in line)

    before = by_libvlc()
    backend = make_backend(str(tmp_path / "once.wav"))
    try:
        icecast.set_title(mount, "Once - Only")
        backend.open(icecast.url(mount), live=True)
        backend.play()
        wait_for(lambda: backend.now_playing() == "Once - Only", 8, "title")
    finally:
        backend.shutdown()
    # Icecast logs a listener when it leaves
    wait_for(lambda: by_libvlc() > before, 5, "log")
    assert by_libvlc() == before + 1
