"""recording.recorder over a real RingBuffer filled with real MP3 / ADTS frames: the file
is the stream's own frames from the plan's start to its cut, tagged, with its sidecar;
gaps noted; the guide followed; a .part of an unclean exit finished at the next start."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from mutagen.id3 import ID3

from recording.claim import PART
from recording.model import Plan
from recording.recorder import Recorder
from recording.recovery import recover
from recording.tags import sidecar_path
from tests.recording.conftest import decoded_seconds, encoded, fill, frames_of, probe
from tests.support.wait import wait_until


def plan_at(t0: float, start_s: float, end_s: float, **kw) -> Plan:
    start = datetime.fromtimestamp(t0 + start_s, UTC)
    return Plan("kcur", "KCUR 89.3", kw.pop("title", "Up To Date"), start,
                start + timedelta(seconds=end_s - start_s), **kw)


def audio_of(path) -> bytes:
    """The file's bytes after its ID3 tag."""
    data = path.read_bytes()
    return data[ID3(path).size:]


def test_a_recording_is_the_streams_frames_from_start_to_cut(ring, codec, tmp_path):
    frames = frames_of(codec, encoded(codec, 30))
    t0 = time.time() - 60
    fill(ring, frames, t0)
    plan = plan_at(t0, 5, 17, hosts=("Steve Kraske",), description="Public affairs.")
    outcome = Recorder(ring, codec, tmp_path / "out", plan).run()
    assert outcome.complete and outcome.note == ""
    path = outcome.path
    assert path.name == f"KCUR 89.3 - Up To Date - {plan.start:%Y-%m-%d %H%M}.{codec}"
    assert not path.with_name(path.name + PART).exists()
    info = probe(path)
    assert info["codec"] == codec  # not transcoded
    assert abs(decoded_seconds(path) - 12) < 0.3
    body = audio_of(path)
    stream = b"".join(f for f, _ in frames)
    assert body in stream and stream.index(body) in {
        sum(len(f) for f, _ in frames[:n]) for n in range(len(frames))}  # a frame boundary
    assert info["tags"]["title"] == "Up To Date" and info["tags"]["artist"] == "KCUR 89.3"
    tags = ID3(path)
    assert tags["TXXX:host"].text == ["Steve Kraske"]
    assert str(tags["TDRC"].text[0]) == plan.start.strftime("%Y-%m-%d %H:%M")  # ID3v2.3
    side = json.loads(sidecar_path(path).read_text())
    assert side["complete"] is True and side["file"] == path.name
    assert abs(side["duration_s"] - 12) < 0.3 and side["gaps"] == []


def test_titles_heard_become_cue_points(tmp_path):
    from player.ring_buffer import RingBuffer

    ring = RingBuffer(tmp_path / "b", "mp3", max_seconds=600, max_bytes=10_000_000)
    frames = frames_of("mp3", encoded("mp3", 20))
    t0 = time.time() - 60
    half = len(frames) // 2
    for part, title in ((frames[:half], "Song One"), (frames[half:], "Song Two")):
        t0 += sum(s for _, s in part)
        ring.append(b"".join(f for f, _ in part), sum(s for _, s in part), arrived=t0,
                    titles=[(0, title)], sizes=[len(f) for f, _ in part])
    start = ring.start
    outcome = Recorder(ring, "mp3", tmp_path, plan_at(start, 1, 20)).run()
    cues = json.loads(sidecar_path(outcome.path).read_text())["cues"]
    assert [c["title"] for c in cues] == ["Song One", "Song Two"]  # One was on at the start
    assert cues[0]["at_s"] == 0 and abs(cues[1]["at_s"] - 9) < 0.3
    ring.close()


def test_a_stream_drop_is_a_gap_and_the_recording_goes_on(ring, codec, tmp_path):
    frames = frames_of(codec, encoded(codec, 20))
    half = len(frames) // 2
    t0 = time.time() - 60
    after_first = fill(ring, frames[:half], t0)
    ring.mark_gap()
    fill(ring, frames[half:], after_first + 8)  # back 8 s later
    outcome = Recorder(ring, codec, tmp_path, plan_at(t0, 2, 26)).run()
    assert len(outcome.gaps) == 1 and abs(outcome.gaps[0][1] - outcome.gaps[0][0] - 8) < 0.2
    side = json.loads(sidecar_path(outcome.path).read_text())
    assert len(side["gaps"]) == 1 and abs(side["gaps"][0]["seconds"] - 8) < 0.2
    assert abs(side["gaps"][0]["at_s"] - (after_first - t0 - 2)) < 0.3
    assert abs(decoded_seconds(outcome.path) - (24 - 8)) < 0.4


def test_the_guide_read_before_the_cut_is_followed(ring, codec, tmp_path):
    frames = frames_of(codec, encoded(codec, 30))
    t0 = time.time() - 60
    fill(ring, frames, t0)
    plan = plan_at(t0, 0, 20)
    asked = []

    def ends_early(p: Plan) -> Plan:
        asked.append(p)
        return Plan(p.station_id, p.station_name, p.title, p.start,
                    p.start + timedelta(seconds=8))

    outcome = Recorder(ring, codec, tmp_path, plan, follow=ends_early).run()
    assert asked and abs(decoded_seconds(outcome.path) - 8) < 0.3
    assert outcome.plan.cut_ts == plan.begin_ts + 8


def test_live_frames_are_recorded_as_they_come(ring, codec, tmp_path):
    frames = frames_of(codec, encoded(codec, 6))
    t0 = time.time()
    stop = threading.Event()

    def live() -> None:  # the reader: a batch every 0.25 s, in real time
        t, n = t0, 0
        while n < len(frames) and not stop.is_set():
            batch, dur = [], 0.0
            while n < len(frames) and dur < 0.25:
                batch.append(frames[n][0])
                dur += frames[n][1]
                n += 1
            t += dur
            time.sleep(max(0.0, t - time.time()))
            ring.append(b"".join(batch), dur, arrived=time.time(), sizes=[len(b) for b in batch])

    writer = threading.Thread(target=live, daemon=True)
    writer.start()
    try:
        outcome = Recorder(ring, codec, tmp_path, plan_at(t0, 1, 4)).run()
    finally:
        stop.set()
        writer.join(5)
    assert outcome.complete and abs(decoded_seconds(outcome.path) - 3) < 0.4


def test_a_part_left_by_an_unclean_exit_is_trimmed_and_renamed(codec, tmp_path):
    frames = frames_of(codec, encoded(codec, 5))
    good = b"".join(f for f, _ in frames)
    part = tmp_path / f"KCUR 89.3 - Up To Date - 2025-05-14 1000.{codec}{PART}"
    part.write_bytes(b"")
    tags = ID3()
    tags.save(part, v2_version=3)
    with part.open("ab") as fh:
        fh.write(good + frames[0][0][:40])  # the last write cut mid-frame
    final = part.with_name(part.name[:-len(PART)])
    side = sidecar_path(final)
    side.write_text(json.dumps({"version": 1, "file": final.name, "codec": codec,
                                "complete": False, "duration_s": 0.0, "note": "recording",
                                "cues": []}))
    [done] = recover(tmp_path)
    assert done == final and not part.exists()
    assert audio_of(done) == good
    assert abs(decoded_seconds(done) - 5) < 0.2
    assert probe(done)["codec"] == codec
    again = json.loads(sidecar_path(done).read_text())
    assert again["complete"] is False and abs(again["duration_s"] - 5) < 0.2
    assert "unclean exit" in again["note"]


def test_a_part_being_recorded_is_left_alone(tmp_path):
    part = tmp_path / f"A - B - 2025-05-14 1000.mp3{PART}"
    part.write_bytes(b"x" * 100)
    (tmp_path / "A - B - 2025-05-14 1000.json").write_text(json.dumps(
        {"version": 1, "file": "A - B - 2025-05-14 1000.mp3", "codec": "mp3"}))
    with part.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        assert recover(tmp_path) == []
    assert part.exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_stops_cleanly_and_keeps_what_was_written(ring, codec, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", str(small)], check=True)
    try:
        frames = frames_of(codec, encoded(codec, 30))
        t0 = time.time() - 60
        fill(ring, frames, t0)
        outcome = Recorder(ring, codec, small, plan_at(t0, 0, 30)).run()
        assert outcome.disk_full and not outcome.complete
        assert "No space left on device" in outcome.note and "kept" in outcome.note
        assert not list(small.glob(f"*{PART}"))
        kept = outcome.path.stat().st_size
        assert kept > 20_000
        body = audio_of(outcome.path)
        assert body in b"".join(f for f, _ in frames)  # whole frames, nothing torn
        assert decoded_seconds(outcome.path) > 2
    finally:
        subprocess.run(["umount", str(small)], check=True)


def test_the_folder_fills_while_waiting_for_a_later_start(ring, codec, tmp_path):
    """A plan that starts after the live edge waits for it."""
    frames = frames_of(codec, encoded(codec, 4))
    t0 = time.time() - 1
    result = []
    worker = threading.Thread(
        target=lambda: result.append(Recorder(ring, codec, tmp_path, plan_at(t0, 2, 3)).run()),
        daemon=True)
    worker.start()
    time.sleep(0)  # let it wait on the empty buffer
    fill(ring, frames, t0)
    wait_until(lambda: result, 10, "the recording")
    assert abs(decoded_seconds(result[0].path) - 1) < 0.3


def test_a_start_the_buffer_does_not_hold_begins_at_the_oldest_moment_and_says_so(
        ring, codec, tmp_path):
    frames = frames_of(codec, encoded(codec, 10))
    t0 = time.time() - 60
    fill(ring, frames, t0)
    outcome = Recorder(ring, codec, tmp_path, plan_at(t0, -300, 5)).run()  # began 5 min ago
    assert outcome.complete and abs(decoded_seconds(outcome.path) - 5) < 0.3
    assert outcome.note == "began 300 s after the start (the stream was not held before)"
    side = json.loads(sidecar_path(outcome.path).read_text())
    assert side["note"] == outcome.note and side["began_at"].startswith(
        datetime.fromtimestamp(t0, UTC).isoformat(timespec="seconds")[:16])
