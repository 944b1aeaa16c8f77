"""Shared by the recording tests: real encoded audio (ffmpeg) cut into frames, a real
RingBuffer filled with it on a timeline the test chooses, and ffprobe's view of a file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from player.frames import FrameSplitter
from player.ring_buffer import RingBuffer

FORMATS = {"mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "-write_xing", "0",
                   "-id3v2_version", "0"],
           "aac": ["-c:a", "aac", "-b:a", "64k", "-f", "adts"]}


def encoded(codec: str, seconds: float, freq: int = 440) -> bytes:
    """`seconds` of a tone as a stream of frames (MP3 or ADTS AAC), as a station sends it."""
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i",
         f"sine=frequency={freq}:sample_rate=44100:duration={seconds}", "-ac", "2",
         *FORMATS[codec], "-"], capture_output=True, check=True, timeout=60)
    return done.stdout


def frames_of(codec: str, data: bytes) -> list[tuple[bytes, float]]:
    return FrameSplitter(codec).feed(data)


def fill(buffer: RingBuffer, frames: list[tuple[bytes, float]], t0: float,
         batch_s: float = 0.5) -> float:
    """Append `frames` as if they arrived live from moment `t0` (batches of ~batch_s, each
    frame indexed); returns the moment after the last frame."""
    t, batch, dur = t0, [], 0.0
    for frame, seconds in frames:
        batch.append(frame)
        dur += seconds
        if dur >= batch_s:
            t += dur
            buffer.append(b"".join(batch), dur, arrived=t, sizes=[len(f) for f in batch])
            batch, dur = [], 0.0
    if batch:
        t += dur
        buffer.append(b"".join(batch), dur, arrived=t, sizes=[len(f) for f in batch])
    return t


def probe(path: Path) -> dict:
    """ffprobe's format and first stream of `path` (it decodes the whole file: -count)."""
    done = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams",
                           "-of", "json", str(path)], capture_output=True, text=True,
                          timeout=60, check=True)
    data = json.loads(done.stdout)
    return {**data["format"], "codec": data["streams"][0]["codec_name"]}


def decoded_seconds(path: Path) -> float:
    """Seconds of audio ffmpeg decodes from `path` (errors fail the test)."""
    done = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-i", str(path),
                           "-f", "s16le", "-ac", "1", "-ar", "8000", "-"],
                          capture_output=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr[-300:]
    return len(done.stdout) / 2 / 8000


@pytest.fixture(params=["mp3", "aac"])
def codec(request) -> str:
    return request.param


@pytest.fixture
def ring(tmp_path, codec):
    buffer = RingBuffer(tmp_path / "buffer", codec, max_seconds=600, max_bytes=20_000_000)
    yield buffer
    buffer.close()
