"""`make demo` offline: the demo servers answer `onair now` and `onair news` with live data."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.demo_data import STATIONS, program_at

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.icecast


@pytest.fixture(scope="module")
def demo_catalogue():
    proc = subprocess.Popen([sys.executable, str(REPO / "scripts" / "demo.py"), "--serve-only"],
                            cwd=REPO, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    catalogue = None
    deadline = time.monotonic() + 60
    try:
        while catalogue is None:
            assert proc.poll() is None, f"demo exited with {proc.returncode}"
            assert time.monotonic() < deadline, "demo did not print its catalogue"
            try:
                line = lines.get(timeout=0.5).strip()
            except queue.Empty:
                continue
            if line.endswith(".json"):
                catalogue = Path(line)
        yield catalogue
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    assert code == 0
    assert catalogue is not None and not catalogue.parent.exists(), "demo left its temp folder"


def onair(catalogue: Path, tmp_path: Path, *args: str) -> dict:
    env = dict(os.environ, ONAIR_CONFIG_DIR=str(tmp_path / "config"),
               ONAIR_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, str(REPO / "main.py"), *args, "--stations",
                           str(catalogue)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("station", STATIONS, ids=lambda s: s.id)
def test_on_now_and_up_next_are_live(demo_catalogue, tmp_path, station) -> None:
    now = onair(demo_catalogue, tmp_path, "now", station.id, "--json")
    at = datetime.fromisoformat(now["at"])
    expected = program_at(station, at)
    assert now["station"] == station.id and now["timezone"] == station.timezone
    assert now["stale"] is False
    on_now, up_next = now["on_now"], now["up_next"]
    assert on_now["title"] == expected.title
    assert datetime.fromisoformat(on_now["start"]) == expected.start
    assert datetime.fromisoformat(on_now["end"]) == expected.end
    assert on_now["hosts"] == [h for h in expected.hosts if h]
    assert 0 <= on_now["elapsed_s"] < on_now["duration_s"] == 900
    assert datetime.fromisoformat(up_next["start"]) == expected.end
    assert up_next["title"] == program_at(station, expected.end).title


def test_stories_with_images(demo_catalogue, tmp_path) -> None:
    news = onair(demo_catalogue, tmp_path, "news", STATIONS[0].id, "--json")
    stories = news["stories"]
    assert len(stories) == 6
    assert stories[0]["title"] == "Kansas City council approves new streetcar extension funding"
    assert stories[0]["byline"] == "By Celisa Calacal"
    assert stories[0]["body"] and all(s["image"]["url"].endswith(".png") for s in stories)


def test_newscast_points_at_local_audio(demo_catalogue, tmp_path) -> None:
    cast = onair(demo_catalogue, tmp_path, "newscast", "--json")
    assert cast["title"].startswith("NPR News: ")
    assert cast["audio_url"].startswith("http://127.0.0.1:")
    assert cast["duration_s"] == 60
    whole = urllib.request.urlopen(cast["audio_url"], timeout=10).read()
    assert whole[:3] == b"ID3" or whole[0] == 0xFF  # an MP3
    ranged = urllib.request.Request(cast["audio_url"], headers={"Range": "bytes=1000-"})
    with urllib.request.urlopen(ranged, timeout=10) as answer:  # seeking needs byte ranges
        assert answer.status == 206
        assert answer.headers["Content-Range"] == f"bytes 1000-{len(whole) - 1}/{len(whole)}"
        assert answer.read() == whole[1000:]
