"""`onair record` and `onair recordings` as a user runs them: the real Icecast bench, a real
loopback Composer schedule, files checked with ffprobe, ffmpeg and mutagen."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from player.catalogue import catalogue_to_json
from player.frames import FrameSplitter
from player.stations import Catalogue, Stream
from recording.store import Scheduled, ScheduleStore
from tests.recording.conftest import decoded_seconds, probe
from tests.support.metadata_server import CHICAGO, Airing, composer_station, serve_composer
from tests.support.wait import wait_until

pytestmark = pytest.mark.icecast
ROOT = Path(__file__).resolve().parents[2]


def write_catalogue(tmp_path: Path, bench, mount: str = "/a.aac", base_url: str | None = None,
                    station_id: str = "kcur-like", url: str | None = None) -> Path:
    station = replace(composer_station(base_url, station_id=station_id),
                      name="KCUR 89.3", streams=(Stream(url or bench.url(mount)),))
    path = tmp_path / "stations.json"
    path.write_text(json.dumps(catalogue_to_json(Catalogue((station,), None))))
    return path


def env_for(tmp_path: Path) -> dict:
    return {**os.environ, "ONAIR_CONFIG_DIR": str(tmp_path / "config"),
            "ONAIR_CACHE_DIR": str(tmp_path / "cache"),
            "ONAIR_RECORDINGS_DIR": str(tmp_path / "recordings"), "TZ": "America/Chicago"}


def onair(tmp_path: Path, stations: Path, *args: str, timeout: float = 240
          ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--stations", str(stations),
                           *args], env=env_for(tmp_path), capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


def start_onair(tmp_path: Path, stations: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--stations",
                             str(stations), *args], env=env_for(tmp_path), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def audio_of(path: Path) -> bytes:
    data = path.read_bytes()
    return data[ID3(path).size:]


def whole_frames(codec: str, body: bytes) -> bool:
    """`body` is nothing but whole frames, from its first byte to its last."""
    splitter = FrameSplitter(codec)
    frames = splitter.feed(body + body[:16])  # a repeat of the first header ends the last
    return splitter.skipped == 0 and sum(len(f) for f, _ in frames) == len(body)


class Capture:
    """The mount's raw bytes, read by a plain HTTP client alongside the recording."""

    def __init__(self, url: str) -> None:
        self.data = bytearray()
        self._stop = threading.Event()
        self._resp = urllib.request.urlopen(url, timeout=10)
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            chunk = self._resp.read1(65536)
            if not chunk:
                return
            self.data += chunk

    def close(self) -> bytes:
        self._stop.set()
        self._resp.close()
        self._thread.join(5)
        return bytes(self.data)


@pytest.mark.parametrize(("mount", "codec"), [("/a.aac", "aac"), ("/a.mp3", "mp3")])
def test_record_for_12s_writes_the_streams_own_frames(bench, tmp_path, mount, codec):
    stations = write_catalogue(tmp_path, bench, mount)
    capture = Capture(bench.url(mount))
    try:
        done = onair(tmp_path, stations, "record", "kcur-like", "--for", "12s")
    finally:
        raw = capture.close()
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path.parent == tmp_path / "recordings" and path.suffix == f".{codec}"
    assert path.name.startswith("KCUR 89.3 - Recording - ")
    assert probe(path)["codec"] == codec
    assert abs(decoded_seconds(path) - 12) <= 1.0
    body = audio_of(path)
    assert whole_frames(codec, body)
    assert body in raw  # the stream's bytes, untouched, from a frame boundary
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["complete"] is True and side["codec"] == codec


def minute_program(title: str = "The Minute") -> tuple[dict, Airing]:
    """A schedule with a one-minute program at the next minute boundary (the one after,
    when that is under 15 s away), between two others, for today and tomorrow."""
    now = datetime.now(CHICAGO)
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if (start - now).total_seconds() < 15:
        start += timedelta(minutes=1)
    airing = Airing(title, start, start + timedelta(minutes=1), ("Jenn White",),
                    "One minute of tone.")
    before = Airing("Before Hour", start - timedelta(hours=1), start)
    after = Airing("After Hour", airing.end, airing.end + timedelta(hours=1))
    days = {start.date(): [before, airing, after],
            start.date() + timedelta(days=1): [Airing("Tomorrow Show", start + timedelta(days=1),
                                                      start + timedelta(days=1, hours=1))]}
    return days, airing


def test_record_a_program_by_name_from_a_loopback_schedule(bench, httpserver, tmp_path):
    days, airing = minute_program()
    stations = write_catalogue(tmp_path, bench, "/a.aac", serve_composer(httpserver, days))
    done = onair(tmp_path, stations, "record", "kcur-like", "--program", "the minute",
                 "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    path = Path(out["path"])
    assert path.name == f"KCUR 89.3 - The Minute - {airing.start:%Y-%m-%d %H%M}.aac"
    assert abs(decoded_seconds(path) - 60) <= 2.0
    assert out["complete"] is True and out["program"] == "The Minute"
    assert datetime.fromisoformat(out["began_at"]).timestamp() == pytest.approx(
        airing.start.timestamp(), abs=1.0)
    info = probe(path)
    assert info["codec"] == "aac"
    assert (info["tags"]["title"], info["tags"]["artist"]) == ("The Minute", "KCUR 89.3")
    tags = ID3(path)
    assert tags["TXXX:host"].text == ["Jenn White"]
    assert str(tags["TDRC"].text[0]) == airing.start.strftime("%Y-%m-%d %H:%M")
    assert whole_frames("aac", audio_of(path))


def test_a_program_that_ends_early_is_cut_at_its_new_end(bench, httpserver, tmp_path):
    """Every day, with 2 s of padding: the guide read again before the cut says the program
    ends after 25 s; the file is 2 + 25 + 2 s, and the rule stays with its airing done."""
    days, airing = minute_program("Cut Short")
    base = serve_composer(httpserver, days)
    stations = write_catalogue(tmp_path, bench, "/b.mp3", base)
    proc = start_onair(tmp_path, stations, "record", "kcur-like", "--program", "Cut Short",
                       "--every", "daily", "--padding", "2")
    try:
        shorter = replace(airing, end=airing.start + timedelta(seconds=25))
        days[airing.start.date()][1:] = [shorter, replace(days[airing.start.date()][2],
                                                          start=shorter.end)]
        out, err = proc.communicate(timeout=200)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert abs(decoded_seconds(Path(out.strip())) - 29) <= 2.0
    [entry] = ScheduleStore(tmp_path / "config").load()
    assert (entry.program, entry.rule, entry.padding_s) == ("Cut Short", "daily", 2.0)
    assert datetime.fromisoformat(entry.last_start) == airing.start


def test_sigterm_stops_the_recording_and_keeps_the_file(bench, tmp_path):
    stations = write_catalogue(tmp_path, bench, "/a.aac")
    proc = start_onair(tmp_path, stations, "record", "kcur-like", "--for", "60s")
    folder = tmp_path / "recordings"
    try:
        wait_until(lambda: any(p.stat().st_size > 30_000 for p in folder.glob("*.onair-part")), 40,
                   "the recording to be under way")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130
    path = Path(out.strip())
    assert path.exists() and not list(folder.glob("*.onair-part"))
    assert err.strip().splitlines()[-1] == f"onair: {path.name}: stopped before the end"
    assert whole_frames("aac", audio_of(path)) and decoded_seconds(path) > 3


def test_a_recording_survives_a_source_restart_and_notes_the_gap(bench, tmp_path):
    stations = write_catalogue(tmp_path, bench, "/b.aac")
    proc = start_onair(tmp_path, stations, "record", "kcur-like", "--for", "40s", "--json")
    try:
        folder = tmp_path / "recordings"
        wait_until(lambda: any(p.stat().st_size > 30_000 for p in folder.glob("*.onair-part")), 30,
                   "the recording to be under way")
        bench.stop_source("/b.aac")
        time.sleep(4)  # the outage (not before an assertion: the station is down this long)
        bench.start_source("/b.aac")
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    result = json.loads(out)
    path = Path(result["path"])
    assert result["gaps"] and result["gaps"][0]["seconds"] >= 2
    gap = sum(g["seconds"] for g in result["gaps"])
    heard = decoded_seconds(path)
    assert abs(heard + gap - 40) <= 3.0 and heard > 20
    assert whole_frames("aac", audio_of(path))


def test_no_such_program_exits_2_naming_the_closest(bench, httpserver, tmp_path):
    days, _ = minute_program()
    stations = write_catalogue(tmp_path, bench, "/a.aac", serve_composer(httpserver, days))
    done = onair(tmp_path, stations, "record", "kcur-like", "--program", "The Minuet")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith('onair: no program "The Minuet" on kcur-like\'s schedule')
    assert '"The Minute"' in done.stderr and len(done.stderr.splitlines()) == 1


@pytest.mark.parametrize("args", [("--for", "ten"), ("--for", "12s", "--next"), ()])
def test_bad_arguments_exit_2_in_one_line(bench, tmp_path, args):
    stations = write_catalogue(tmp_path, bench)
    done = onair(tmp_path, stations, "record", "kcur-like", *args)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_an_unreachable_stream_exits_3_in_one_line(bench, tmp_path):
    stations = write_catalogue(tmp_path, bench, url="http://127.0.0.1:9/live.aac")
    done = onair(tmp_path, stations, "record", "kcur-like", "--for", "5s")
    assert done.returncode == 3 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith('onair: station "kcur-like": stream not reachable (')
    assert "Traceback" not in done.stderr and not list((tmp_path / "recordings").glob("*"))


def test_recordings_json_lists_scheduled_and_recorded(bench, tmp_path):
    stations = write_catalogue(tmp_path, bench)
    done = onair(tmp_path, stations, "record", "kcur-like", "--for", "3s")
    assert done.returncode == 0, done.stderr
    entry = ScheduleStore(tmp_path / "config").add(Scheduled(
        id="abc123", station="kcur-like", program="Up To Date", rule="weekday",
        padding_s=30.0))
    listed = onair(tmp_path, stations, "recordings", "--json")
    assert listed.returncode == 0, listed.stderr
    out = json.loads(listed.stdout)
    assert set(out) == {"folder", "scheduled", "recorded"}
    assert out["folder"] == str(tmp_path / "recordings")
    assert out["scheduled"] == [entry.to_json()]
    [item] = out["recorded"]
    assert item["path"] == done.stdout.strip() and item["station"] == "kcur-like"
    assert item["complete"] is True and item["recording"] is False
    assert abs(item["duration_s"] - 3) < 1 and item["size_bytes"] > 1000
    assert {"program", "start", "end", "codec", "gaps", "cues", "began_at"} <= set(item)
    text = onair(tmp_path, stations, "recordings")
    assert '"Up To Date" on KCUR 89.3, every weekday (+30 s padding)' in text.stdout
    assert item["path"] in text.stdout


def test_an_unclean_exit_leaves_a_part_finished_at_the_next_start(bench, tmp_path):
    stations = write_catalogue(tmp_path, bench, "/a.mp3")
    proc = start_onair(tmp_path, stations, "record", "kcur-like", "--for", "60s")
    folder = tmp_path / "recordings"
    try:
        wait_until(lambda: any(p.stat().st_size > 40_000 for p in folder.glob("*.onair-part")), 40,
                   "the recording to be under way")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=10)
    [part] = folder.glob("*.onair-part")
    listed = onair(tmp_path, stations, "recordings", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "left by an unclean exit" in listed.stderr
    assert not list(folder.glob("*.onair-part"))
    [item] = json.loads(listed.stdout)["recorded"]
    path = Path(item["path"])
    assert path.name == part.name[:-len(".onair-part")]
    assert item["complete"] is False and "unclean exit" in item["note"]
    assert whole_frames("mp3", audio_of(path))
    assert abs(decoded_seconds(path) - item["duration_s"]) < 0.5 and item["duration_s"] > 4


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_keeps_what_was_written_and_says_so(bench, tmp_path):
    stations = write_catalogue(tmp_path, bench, "/a.aac")
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)], check=True)
    try:
        done = onair(tmp_path, stations, "record", "kcur-like", "--for", "60s",
                     "--out", str(small))
        assert done.returncode == 1
        path = Path(done.stdout.strip())
        assert path.parent == small and path.exists() and not list(small.glob("*.onair-part"))
        note = done.stderr.strip().splitlines()[-1]
        assert note.startswith(f"onair: {path.name}: No space left on device after ")
        assert note.endswith("kept what was written")
        assert whole_frames("aac", audio_of(path)) and decoded_seconds(path) > 3
    finally:
        subprocess.run(["umount", str(small)], check=True)


def test_recordings_start_at_the_moment_asked(bench, tmp_path):
    """--for starts now: the file's first moment is within a second of the command's start."""
    stations = write_catalogue(tmp_path, bench, "/b.mp3")
    before = datetime.now(UTC).timestamp()
    done = onair(tmp_path, stations, "record", "kcur-like", "--for", "2s", "--json")
    assert done.returncode == 0, done.stderr
    began = datetime.fromisoformat(json.loads(done.stdout)["began_at"]).timestamp()
    assert before - 1.5 <= began <= before + 5
