"""player.frames: MP3 and ADTS frames found by two consecutive headers, for any split."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from player.frames import FrameSplitter, adts_header, codec_for, mp3_header

# (version bits, bitrate table, sample rates, samples per frame) of MPEG 1, 2 and 2.5 layer III
MPEG = {3: ((32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
            (44100, 48000, 32000), 1152),
        2: ((8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
            (22050, 24000, 16000), 576),
        0: ((8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
            (11025, 12000, 8000), 576)}
ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025,
              8000, 7350)


def mp3_frame(version: int, bitrate_index: int, rate_index: int, padding: int,
              fill: int) -> tuple[bytes, float]:
    kbps, rates, samples = MPEG[version]
    length = samples // 8 * kbps[bitrate_index - 1] * 1000 // rates[rate_index] + padding
    head = bytes([0xFF, 0xE0 | version << 3 | 1 << 1 | 1, bitrate_index << 4 | rate_index << 2
                  | padding << 1, 0x44])
    return head + bytes([fill]) * (length - 4), samples / rates[rate_index]


def adts_frame(rate_index: int, payload: int, fill: int, blocks: int = 1) -> tuple[bytes, float]:
    length = 7 + payload
    head = bytes([0xFF, 0xF1, 1 << 6 | rate_index << 2, 2 << 6 | length >> 11,
                  (length >> 3) & 0xFF, (length & 7) << 5 | 0x1F, 0xFC | (blocks - 1)])
    return head + bytes([fill]) * payload, 1024 * blocks / ADTS_RATES[rate_index]


def split(codec: str, data: bytes, cuts: list[int]) -> list[tuple[bytes, float]]:
    splitter, frames = FrameSplitter(codec), []
    edges = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for a, b in zip(edges, edges[1:], strict=False):
        frames += splitter.feed(data[a:b])
    return frames


fills = st.sampled_from([0x00, 0x55, 0xFF, 0xFA])  # 0xFF payloads: false syncs everywhere
mp3_streams = st.builds(
    lambda version, rate, parts: [mp3_frame(version, b, rate, p, f) for b, p, f in parts],
    st.sampled_from([3, 2, 0]), st.integers(0, 2),
    st.lists(st.tuples(st.integers(1, 14), st.integers(0, 1), fills), min_size=2, max_size=12))
adts_streams = st.builds(
    lambda rate, parts: [adts_frame(rate, n, f, k) for n, f, k in parts],
    st.integers(0, 12),
    st.lists(st.tuples(st.integers(1, 700), fills, st.integers(1, 4)), min_size=2, max_size=12))
garbage = st.binary(max_size=300).filter(lambda g: b"\xff" not in g[-8:])


@given(frames=mp3_streams, junk=garbage, cuts=st.lists(st.integers(0, 100_000), max_size=15))
def test_mp3_frames_for_any_split_after_garbage(frames, junk, cuts) -> None:
    data = junk + b"".join(f for f, _ in frames)
    assert split("mp3", data, cuts) == frames


@given(frames=adts_streams, junk=garbage, cuts=st.lists(st.integers(0, 100_000), max_size=15))
def test_adts_frames_for_any_split_after_garbage(frames, junk, cuts) -> None:
    data = junk + b"".join(f for f, _ in frames)
    assert split("aac", data, cuts) == frames


@given(frames=adts_streams, junk=st.binary(min_size=1, max_size=200).map(
           lambda g: g.replace(b"\xff", b"\x00")),
       cuts=st.lists(st.integers(0, 100_000), max_size=15))
def test_garbage_in_the_middle_is_skipped_and_the_stream_resyncs(frames, junk, cuts) -> None:
    # two frames on each side: a frame is trusted when the next header follows it
    half, frames = len(frames), frames + [frames[-1], frames[-1]]
    data = b"".join(f for f, _ in frames[:half]) + junk + b"".join(f for f, _ in frames[half:])
    assert split("aac", data, cuts) == frames


@given(frames=mp3_streams, junk=st.lists(st.sampled_from([b"\xff", b"\xfb", b"\x90", b"\x00",
                                                          b"\xf1", b"\x50"]), max_size=300),
       cuts=st.lists(st.integers(0, 100_000), max_size=15))
def test_sync_like_garbage_makes_up_no_frame(frames, junk, cuts) -> None:
    # The stream goes on after the junk for longer than the longest frame (1441 bytes), as a
    # live stream does: a header made up of junk and audio is given up when the byte where
    # its next header would be arrives.
    tail = [frames[-1]] * (2 + 2 * 1445 // len(frames[-1][0]))
    half, frames = len(frames), frames + tail
    data = (b"".join(f for f, _ in frames[:half]) + b"".join(junk)
            + b"".join(f for f, _ in frames[half:]))
    got = split("mp3", data, cuts)
    assert got[:half] == frames[:half] and got[-2:] == frames[-2:]
    # In sync, the splitter steps from header to header without looking ahead: junk that
    # starts with a header of the stream's own parameters passes as one frame (the decoder
    # skips it), and the next header that does not follow drops it back to the search.
    assert sum(f not in frames for f in got) <= 1


def test_a_lone_header_is_not_taken_for_a_frame() -> None:
    frame, _ = adts_frame(4, 100, 0)
    assert FrameSplitter("aac").feed(frame + b"\0" * 400) == []
    assert FrameSplitter("aac").feed(frame + frame)[:1] == [(frame, 1024 / 44100)]


def test_headers_of_every_mpeg_version_and_adts() -> None:
    f1, d1 = mp3_frame(3, 9, 0, 1, 0)  # MPEG1 128 kbps 44.1 kHz, padded: 418 bytes
    assert (len(f1), d1) == (418, 1152 / 44100)
    assert mp3_header(f1, 0).length == 418
    f2, _ = mp3_frame(2, 8, 1, 0, 0)  # MPEG2 64 kbps 24 kHz: 72*64000/24000 = 192
    assert mp3_header(f2, 0).length == 192
    f25, d25 = mp3_frame(0, 1, 2, 0, 0)  # MPEG2.5 8 kbps 8 kHz: 72
    assert (mp3_header(f25, 0).length, d25) == (72, 576 / 8000)
    assert mp3_header(b"\xff\xfa\x90\x00", 0).length == 417  # with a CRC
    assert mp3_header(b"\xff\xfd\x90\x00", 0) is None  # layer II
    assert mp3_header(b"\xff\xff\x90\x00", 0) is None  # layer I
    assert mp3_header(b"\xff\xeb\x90\x00", 0) is None  # version bits 01: reserved
    assert mp3_header(b"\xff\xfb\xf0\x00", 0) is None  # bitrate index 15
    a, seconds = adts_frame(4, 200, 0, blocks=2)
    assert (adts_header(a, 0).length, seconds) == (207, 2048 / 44100)
    assert adts_header(b"\xff\xf1\x7c\x80\x00\x00\x00", 0) is None  # rate index 15


WEB_PAGE = (b"<!DOCTYPE html><html><head><title>KCUR</title></head><body>"
            + "<p>Caf\u00e9 \u2014 listen live</p>".encode() * 400 + b"</body></html>")


def test_a_web_page_is_never_audio() -> None:
    assert codec_for("text/html; charset=utf-8", WEB_PAGE) is None
    assert codec_for("audio/mpeg", WEB_PAGE) is None  # whatever its type says
    assert codec_for("application/octet-stream", WEB_PAGE) is None
    assert codec_for("", b"[playlist]\nFile1=http://x/a.mp3\n") is None
    assert FrameSplitter("mp3").feed(WEB_PAGE) == []
    assert FrameSplitter("aac").feed(WEB_PAGE) == []


def test_codec_by_content_type_or_by_the_frames() -> None:
    mp3 = b"".join(mp3_frame(3, 5, 0, 0, 0)[0] for _ in range(4))
    aac = b"".join(adts_frame(4, 120, 0)[0] for _ in range(4))
    assert codec_for("audio/mpeg", mp3) == "mp3"
    assert codec_for("audio/aacp", aac) == "aac"
    assert codec_for("audio/aac", aac) == "aac"
    assert codec_for("application/octet-stream", mp3) == "mp3"
    assert codec_for("", aac) == "aac"
    assert codec_for("audio/ogg", b"OggS" + bytes(100)) is None
    assert codec_for("application/octet-stream", bytes(4000)) is None


@pytest.mark.parametrize("codec,args", [
    ("mp3", ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "-id3v2_version", "0",
             "-write_xing", "0"]),
    ("aac", ["-c:a", "aac", "-b:a", "64k", "-f", "adts"]),
])
def test_real_encoder_output_splits_into_all_its_frames(codec: str, args: list[str]) -> None:
    """What ffmpeg (the bench's encoder) writes: every byte is in a frame, durations add up,
    and joining mid-frame (as a listener does) only loses the part before the first sync."""
    data = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i",
         "sine=frequency=440:sample_rate=44100:duration=5", "-ac", "2", *args, "-"],
        capture_output=True, check=True, timeout=60).stdout
    splitter = FrameSplitter(codec)
    frames = [f for i in range(0, len(data), 1000) for f in splitter.feed(data[i:i + 1000])]
    assert b"".join(f for f, _ in frames) == data[:len(b"".join(f for f, _ in frames))]
    assert len(data) - sum(len(f) for f, _ in frames) < 1000  # only the unconfirmed last one
    assert 4.8 < sum(s for _, s in frames) < 5.2
    joined = b"".join(f for f, _ in FrameSplitter(codec).feed(data[777:]))  # a join mid-frame
    assert len(joined) > len(data) - 777 - 2000 and data.find(joined) >= 777
