"""Recordings of Ogg stations: a real Icecast mount (Vorbis, Opus, FLAC in Ogg, fed by ffmpeg),
held by the real StreamReader, recorded by the Recorder. The file is what a listener opens:
ffprobe reads its codec and a duration within 1 s of the recording's, ffmpeg decodes it
without an error, and mutagen reads the tags (title, station as artist, date, host). A
part cut short by a crash is trimmed by recovery to its last whole page.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mutagen
import pytest

from infra.http import HttpClient
from player.frames import FrameSplitter
from player.holder import StreamHolder
from recording.model import Plan
from recording.recorder import Recorder
from recording.recovery import trim_to_whole_frames
from tests.recording.conftest import decoded_seconds, probe
from tests.support.icecast import IcecastBench, Mount

MOUNTS = (Mount("/rec.ogg", 500, "vorbis"), Mount("/rec.opus", 500, "opus"),
          Mount("/rec.oga", 500, "flac", quality=()))
SUFFIX = {"vorbis": ".ogg", "opus": ".opus", "flac": ".ogg"}


@pytest.fixture(scope="module")
def ogg_bench():
    with IcecastBench(MOUNTS) as bench:
        yield bench


@pytest.mark.icecast
@pytest.mark.parametrize("mount", MOUNTS, ids=lambda m: m.codec)
def test_an_ogg_recording_is_a_valid_tagged_file(ogg_bench: IcecastBench, tmp_path: Path,
                                                 mount: Mount) -> None:
    http = HttpClient(tmp_path / "http")
    holder = StreamHolder(http, tmp_path / "catchup", max_seconds=600, max_bytes=50 << 20)
    try:
        reader = holder.acquire(ogg_bench.url(mount.path), reconnect=True)
        assert reader.wait_ready(15), reader.error
        assert reader.codec == mount.codec
        start = datetime.fromtimestamp(time.time() + 1, UTC)
        plan = Plan("ogg", "Ogg FM", "Morning Tones", start, start + timedelta(seconds=6),
                    hosts=("Ada", "Grace"))
        outcome = Recorder(reader.buffer, reader.codec, tmp_path / "out", plan).run()
    finally:
        holder.close()
        http.close()
    assert outcome is not None and outcome.complete, outcome
    path = outcome.path
    assert path.suffix == SUFFIX[mount.codec], path
    info = probe(path)
    assert info["codec"] == mount.codec
    assert abs(float(info["duration"]) - outcome.duration_s) < 1.0, (info, outcome)
    assert abs(outcome.duration_s - 6) < 1.0, outcome
    assert abs(decoded_seconds(path) - outcome.duration_s) < 1.0
    tags = mutagen.File(path).tags
    assert tags["title"] == ["Morning Tones"] and tags["artist"] == ["Ogg FM"]
    assert tags["album"] == ["Morning Tones"] and tags["host"] == ["Ada, Grace"]
    assert tags["date"] == [start.strftime("%Y-%m-%dT%H:%M")]

    # a crash mid-page: recovery (player.frames' splitter on Ogg) trims to the last page
    whole = path.read_bytes()
    cut = tmp_path / "cut.opus"
    cut.write_bytes(whole[: len(whole) - 700])
    fd = os.open(cut, os.O_RDWR)
    try:
        seconds = trim_to_whole_frames(fd, mount.codec)
    finally:
        os.close(fd)
    kept = cut.read_bytes()
    assert whole.startswith(kept) and len(whole) - 700 - len(kept) < 70000
    assert b"".join(f for f, _ in FrameSplitter(mount.codec).feed(kept)) == kept
    assert 3 < seconds <= outcome.duration_s + 0.5
    assert mutagen.File(cut).tags["title"] == ["Morning Tones"]
