"""`onair play` as a person runs it: a subprocess, its lines, its exit code, its audio."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.audio import analyse, duration_s
from tests.support.icecast import IcecastBench, free_port

ROOT = Path(__file__).resolve().parents[2]


def onair(*args: str, wav: Path, stations: Path | None = None,
          timeout: float = 40) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ONAIR_AUDIO_FILE=str(wav))
    env.pop("ONAIR_STATIONS", None)
    extra = ["--stations", str(stations)] if stations else []
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *extra, "play", *args],
                          env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def catalogue(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "stations.json"
    path.write_text(json.dumps({"stations": [{
        "id": "bench", "name": "Bench FM", "tagline": "", "city": "Loopback",
        "timezone": "UTC", "homepage": None, "logo": None,
        "streams": [{"url": url}], "schedule": None, "news": None}]}))
    return path


@pytest.mark.icecast
def test_plays_a_url_for_n_seconds_with_status_lines(icecast: IcecastBench, tmp_path) -> None:
    wav = tmp_path / "cli.wav"
    icecast.set_title("/a.mp3", "CLI Artist - CLI Song")
    r = onair(icecast.url("/a.mp3"), "--seconds", "2", wav=wav)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].endswith(f"connecting {icecast.url('/a.mp3')}")
    assert any(line.endswith(" playing") for line in lines)
    assert any(line.endswith("title: CLI Artist - CLI Song") for line in lines)
    assert lines[-1].split("] ", 1)[1] == "stopped after 2.0 s of audio"
    assert duration_s(wav) >= 1.5
    freq, rms = analyse(wav, 0.5)
    assert abs(freq - 440) < 15 and rms > 0.03


@pytest.mark.icecast
def test_plays_a_station_from_the_catalogue(icecast: IcecastBench, tmp_path) -> None:
    wav = tmp_path / "cli.wav"
    r = onair("bench", "--seconds", "1", wav=wav,
              stations=catalogue(tmp_path, icecast.url("/b.aac")))
    assert r.returncode == 0, r.stderr
    assert "connecting Bench FM" in r.stdout
    assert abs(analyse(wav, 0.3)[0] - 1000) < 15


@pytest.mark.icecast
def test_ctrl_c_stops_cleanly(icecast: IcecastBench, tmp_path) -> None:
    env = dict(os.environ, ONAIR_AUDIO_FILE=str(tmp_path / "c.wav"))
    proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "play", icecast.url("/b.mp3")],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if line.rstrip().endswith(" playing"):
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.splitlines()[-1].endswith("] stopped") and "Traceback" not in err


def test_unreachable_stream_exits_3_naming_it(tmp_path) -> None:
    url = f"http://127.0.0.1:{free_port()}/gone.mp3"
    r = onair(url, wav=tmp_path / "x.wav")
    assert r.returncode == 3
    assert r.stderr.strip().splitlines()[-1] == (
        f"onair: {url}: the stream could not be reached (connection refused) after 3 tries")


@pytest.mark.parametrize("target,message", [
    ("file:///etc/passwd", 'onair: stream URL "file:///etc/passwd": scheme "file" is not '
                           'http or https'),
    ("http://", 'onair: stream URL "http://": no host'),
    (":sout=#file{dst=/tmp/x}", 'onair: stream URL ":sout=#file{dst=/tmp/x}": starts with an '
                                'option character'),
])
def test_bad_url_exits_2_with_one_line(tmp_path, target, message) -> None:
    r = onair(target, wav=tmp_path / "x.wav")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1].startswith(message)
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_non_positive_seconds_exits_2(tmp_path) -> None:
    r = onair("http://127.0.0.1:9/x.mp3", "--seconds", "0", wav=tmp_path / "x.wav")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "onair: --seconds must be a positive number of seconds, got 0.0")


def test_unknown_station_exits_2(tmp_path) -> None:
    r = onair("nosuch", wav=tmp_path / "x.wav",
              stations=catalogue(tmp_path, "http://127.0.0.1:9/x.mp3"))
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == 'onair: unknown station "nosuch" (known: bench)'


@pytest.mark.icecast
def test_a_mount_that_never_played_and_answers_404_exits_3(icecast: IcecastBench,
                                                           tmp_path) -> None:
    url = icecast.url("/nosuch.mp3")
    r = onair(url, wav=tmp_path / "x.wav")
    assert r.returncode == 3, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith(f"onair: {url}: the stream could not be reached (HTTP 404 ")
    assert last.endswith(") after 3 tries")
    assert "reconnecting in 1 s: HTTP 404 " in r.stdout  # not "the source is reconnecting"
