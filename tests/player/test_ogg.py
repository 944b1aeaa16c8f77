"""player.ogg, player.ogg_codecs, player.ogg_restamp: the Ogg page splitter on real ffmpeg
streams (Vorbis, Opus, FLAC, Speex; a chained stream with a new title), on garbage, cut
pages and wrong CRCs, split anywhere (hypothesis); and in a RingBuffer, where a cursor
from any moment starts with the header set in force there and ffmpeg decodes what it reads.
"""

from __future__ import annotations

import random
import struct
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mutagen.ogg import OggPage

from player.frames import NOT_HELD, FrameSplitter, classify, codec_for
from player.ogg import BOS, EOS, OggSplitter, make_page, ogg_crc, page_checks
from player.ogg_codecs import identify
from player.ogg_restamp import Restamper, flac_samples, opus_samples
from player.ring_buffer import RingBuffer

ENCODERS = {
    "vorbis": ["-c:a", "libvorbis", "-b:a", "64k"],
    "opus": ["-c:a", "libopus", "-b:a", "64k"],
    "flac": ["-c:a", "flac"],
    "speex": ["-c:a", "libspeex", "-ar", "16000", "-ac", "1"],
}


def encode(codec: str, seconds: float, freq: int = 440, *meta: str) -> bytes:
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi", "-i",
         f"sine=frequency={freq}:sample_rate=48000:duration={seconds}", *ENCODERS[codec],
         *meta, "-page_duration", "200000", "-f", "ogg", "-"],
        capture_output=True, check=True, timeout=60)
    return done.stdout


@pytest.fixture(scope="module")
def streams() -> dict[str, bytes]:
    made = {codec: encode(codec, 4) for codec in ENCODERS}
    made["chained"] = made["vorbis"] + encode("vorbis", 3, 880, "-metadata", "title=Second",
                                              "-metadata", "artist=Band")
    return made


def pages_of(data: bytes) -> list[bytes]:
    pages, pos = [], 0
    while pos < len(data):
        nseg = data[pos + 26]
        end = pos + 27 + nseg + sum(data[pos + 27:pos + 27 + nseg])
        pages.append(data[pos:end])
        pos = end
    return pages


# -- pages and CRC ---------------------------------------------------------------------------
def test_the_crc_is_ogg_s_and_every_real_page_checks(streams) -> None:
    page = OggPage()
    page.packets, page.serial, page.sequence = [b"hello ogg"], 7, 3
    written = page.write()  # mutagen's own CRC
    assert int.from_bytes(written[22:26], "little") == ogg_crc(
        written[:22] + b"\0\0\0\0" + written[26:])
    assert make_page([b"hello ogg"], serial=7, seq=3) == written
    assert all(page_checks(p) for codec in ENCODERS for p in pages_of(streams[codec]))


@pytest.mark.parametrize("codec,rate,headers", [("vorbis", 48000, 3), ("opus", 48000, 2),
                                                 ("flac", 48000, 2)])
def test_a_stream_is_its_header_set_then_audio_timed_by_granules(streams, codec, rate,
                                                                 headers) -> None:
    data = streams[codec]
    units = OggSplitter().feed_units(data)
    head, audio = units[0], units[1:]
    assert head.chain is not None and (head.chain.codec, head.chain.rate) == (codec, rate)
    assert all(u.chain is None for u in audio)
    assert b"".join(u.data for u in units) == data  # every byte, in order, whole pages
    first = pages_of(head.data)
    assert first[0][5] & BOS and len(first) <= headers
    assert identify(first[0][28:]).codec == codec
    # granule deltas: all but the first audio unit (a join is estimated: 0 s here)
    granule = [struct.unpack_from("<q", pages_of(u.data)[-1], 6)[0] for u in audio]
    assert audio[0].seconds == 0
    assert sum(u.seconds for u in audio) == pytest.approx((granule[-1] - granule[0]) / rate)
    assert 3.5 < (granule[-1] - granule[0]) / rate <= 4
    assert classify("audio/ogg", data[:200]) == codec and codec_for("", data) == codec


def test_ogg_of_a_codec_not_held_is_decided_at_its_first_page(streams) -> None:
    speex = streams["speex"]
    assert classify("audio/ogg", speex[:200]) == NOT_HELD  # the BOS page is enough
    assert classify("audio/ogg", speex[:20]) is None  # not yet
    units = OggSplitter().feed_units(speex)
    assert len(units) == 1 and units[0].chain.codec is None  # its audio is not held
    assert classify("audio/x-wav", b"RIFF\0\0\0\0WAVEfmt ") == NOT_HELD
    assert classify("application/octet-stream", b"RIFF\0\0\0\0WAVEfmt " + bytes(64)) \
        == NOT_HELD
    assert classify("audio/flac", b"fLaC") == NOT_HELD


def test_a_chained_stream_gives_a_new_header_set_with_its_title(streams) -> None:
    units = OggSplitter().feed_units(streams["chained"])
    chains = [u.chain for u in units if u.chain is not None]
    assert [c.codec for c in chains] == ["vorbis", "vorbis"]
    assert chains[0].title == "" and chains[1].title == "Band - Second"
    second = next(i for i, u in enumerate(units) if u.chain is chains[1])
    assert pages_of(units[second - 1].data)[-1][5] & EOS  # the old chain ended first
    assert sum(u.seconds for u in units[second + 2:]) == pytest.approx(3, abs=0.3)


@given(st.data())
def test_any_split_gives_the_same_units(streams, data) -> None:
    stream = streams[data.draw(st.sampled_from(["chained", "opus", "flac"]))]
    whole = OggSplitter().feed_units(stream)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=40)))
    splitter, got, last = OggSplitter(), [], 0
    for cut in [*cuts, len(stream)]:
        got += splitter.feed_units(stream[last:cut])
        last = cut
    assert got == whole and splitter.consumed == len(stream)


@given(st.binary(max_size=3000), st.integers(0, 2**31))
def test_garbage_never_passes(junk: bytes, seed: int) -> None:
    rng = random.Random(seed)
    spiked = bytearray(junk)
    for _ in range(rng.randint(0, 8)):  # capture patterns and BOS-looking headers in it
        at = rng.randint(0, len(spiked))
        spiked[at:at] = b"OggS\0\2" + bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
    splitter = OggSplitter(headless=True)
    assert splitter.feed_units(bytes(spiked)) == []
    assert classify("application/octet-stream", bytes(spiked)) in (None, NOT_HELD, "mp3", "aac")


def test_garbage_wrong_crcs_and_cut_pages_are_skipped(streams) -> None:
    pages = pages_of(streams["opus"])
    bad = bytearray(pages[3])
    bad[-1] ^= 0x40  # one flipped bit: the CRC says no
    stream = b"junk" + b"".join(pages[:3]) + bytes(bad) + b"OggS\0" + b"".join(pages[4:])
    splitter = OggSplitter()
    units = splitter.feed_units(stream)
    assert b"".join(u.data for u in units) == b"".join(pages[:3] + pages[4:])
    assert splitter.skipped == 4 + len(bad) + 5
    cut = OggSplitter()  # a page cut short waits for the rest; the end of input keeps it out
    assert b"".join(u.data for u in cut.feed_units(b"".join(pages[:5])[:-10])) == \
        b"".join(pages[:4])
    assert cut.position - cut.consumed == len(pages[4]) - 10


def test_crafted_capture_patterns_cost_linear_time() -> None:
    # "OggS" every 32 bytes, each claiming a 64 KiB page: the CRC work is capped per byte
    unit = b"OggS\0\0" + bytes(20) + b"\xff" + bytes(5)
    seconds = []
    for size in (1 << 20, 2 << 20):
        junk = unit * (size // len(unit))
        t0 = time.perf_counter()
        assert OggSplitter().feed_units(junk) == []
        seconds.append(time.perf_counter() - t0)
    assert seconds[1] < 2.5 * seconds[0] + 0.05 and seconds[1] < 10, seconds


# -- FrameSplitter's interface (recording, recovery) -----------------------------------------
def test_frame_splitter_takes_ogg_codecs_with_the_same_interface(streams) -> None:
    data = streams["opus"]
    frames = FrameSplitter("opus").feed(data[:-100])  # a recording cut by a crash
    body = b"".join(f for f, _ in frames)
    assert data.startswith(body) and len(data) - len(body) < 100 + max(map(len, pages_of(data)))
    with pytest.raises(KeyError):
        FrameSplitter("speex")
    mid = b"".join(pages_of(data)[5:])  # a cut of the stream, no headers (a recording's read)
    assert b"".join(f for f, _ in FrameSplitter("opus").feed(mid)) == mid


def test_packet_samples_from_opus_toc_and_flac_frame_headers() -> None:
    assert opus_samples(bytes([(19 << 3) | 0])) == 960  # CELT 20 ms, one frame
    assert opus_samples(bytes([(3 << 3) | 1])) == 2 * 2880  # SILK 60 ms, two frames
    assert opus_samples(bytes([(13 << 3) | 3, 3])) == 3 * 960  # hybrid 20 ms, code 3
    assert flac_samples(bytes([0xFF, 0xF8, 0xC9, 0x08, 0x00, 0])) == 4096
    assert flac_samples(bytes([0xFF, 0xF8, 0x79, 0x08, 0x00, 0x11, 0xFF, 0])) == 0x1200
    assert opus_samples(b"") == flac_samples(b"\0\0") == 0


# -- held in a RingBuffer ----------------------------------------------------------------------
def hold(stream: bytes, folder: Path, max_bytes: int = 10_000_000) -> RingBuffer:
    """`stream` through the splitter into a buffer, as the reader does: a header set goes
    with the audio after it, a batch a read (4 KiB), arriving in real time from t0."""
    buffer = RingBuffer(folder, "vorbis", max_seconds=600, max_bytes=max_bytes)
    splitter, headers, t = OggSplitter(), b"", 1_800_000_000.0
    for pos in range(0, len(stream), 4096):
        batch = []
        for unit in splitter.feed_units(stream[pos:pos + 4096]):
            if unit.chain is not None:
                if batch:
                    t += sum(u.seconds for u in batch)
                    buffer.append(b"".join(u.data for u in batch), sum(u.seconds for u in batch),
                                  arrived=t, sizes=[len(u.data) for u in batch],
                                  seconds=[u.seconds for u in batch], headers=headers)
                    batch, headers = [], b""
                headers = unit.data
            else:
                batch.append(unit)
        if batch:
            t += sum(u.seconds for u in batch)
            buffer.append(b"".join(u.data for u in batch), sum(u.seconds for u in batch),
                          arrived=t, sizes=[len(u.data) for u in batch],
                          seconds=[u.seconds for u in batch], headers=headers)
            headers = b""
    return buffer


def decode(data: bytes, tmp_path: Path) -> tuple[float, str]:
    path = tmp_path / f"cut{random.randrange(10**9)}.ogg"
    path.write_bytes(data)
    done = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-i", str(path),
                           "-f", "s16le", "-ac", "1", "-ar", "8000", "-"],
                          capture_output=True, timeout=60)
    return len(done.stdout) / 16000, done.stderr.decode(errors="replace")


def test_a_cursor_from_any_moment_starts_with_the_header_set_in_force(streams,
                                                                      tmp_path) -> None:
    chained = streams["chained"]
    units = OggSplitter().feed_units(chained)
    heads = [u.data for u in units if u.chain is not None]
    buffer = hold(chained, tmp_path / "buf")
    try:
        start, end = buffer.start, buffer.end
        assert end - start == pytest.approx(7, abs=0.6)
        for at, head in ((start, heads[0]), (start + 2, heads[0]), (end - 1.5, heads[1])):
            cursor = buffer.cursor(at)
            data = b""
            while chunk := cursor.read(1 << 20, timeout=0.05):
                data += chunk
            assert data.startswith(head)
            seconds, errors = decode(data, tmp_path)
            assert seconds == pytest.approx(end - cursor_start(buffer, at), abs=0.6), errors
        whole = buffer.cursor(start + 2)
        assert whole.read(1 << 20, 0.05) == heads[0]  # the first read: the headers alone
        rest = b"".join(iter(lambda: whole.read(1 << 20, 0.05), b""))
        assert heads[1] in rest  # passed on inline, where the station sent it
        recording = buffer.cursor(end - 1.5)  # a recording: headers taken, pages restamped
        file = recording.take_headers() + recording.read(1 << 20, 0.05)
        assert file.startswith(heads[1][:26]) and all(page_checks(p) for p in pages_of(file))
    finally:
        buffer.close()


@pytest.mark.parametrize("max_bytes", [20_000, 35_000, 50_000])
def test_headers_outlive_the_segment_they_were_in(streams, tmp_path, max_bytes) -> None:
    chained = streams["chained"] * 2
    heads = [u.data for u in OggSplitter().feed_units(chained) if u.chain is not None]
    buffer = hold(chained, tmp_path / "buf", max_bytes)
    try:
        assert buffer.bytes_on_disk <= max_bytes
        for at in (buffer.start, (buffer.start + buffer.end) / 2):
            cursor = buffer.cursor(at)
            data = b"".join(iter(lambda c=cursor: c.read(1 << 20, 0.05), b""))
            assert any(data.startswith(h) for h in heads)
            seconds, errors = decode(data, tmp_path)
            assert seconds == pytest.approx(buffer.end - buffer.cursor(at).position, abs=0.6)
            assert "rror" not in errors, errors
    finally:
        buffer.close()


def cursor_start(buffer: RingBuffer, at: float) -> float:
    return buffer.cursor(at).position


def test_restamped_opus_pages_count_from_zero(streams) -> None:
    pages = pages_of(streams["opus"])
    restamp = Restamper()
    out = pages_of(restamp.feed(b"".join(pages[:2] + pages[6:])))
    granules = [struct.unpack_from("<q", p, 6)[0] for p in out]
    seqs = [struct.unpack_from("<I", p, 18)[0] for p in out]
    assert seqs == list(range(len(out))) and all(page_checks(p) for p in out)
    original = struct.unpack_from("<q", pages[6], 6)[0]
    assert 0 < granules[2] <= 48000 // 5 + 960 < original
    assert granules[-1] - granules[2] == struct.unpack_from("<q", pages[-1], 6)[0] - original


def test_flac_with_an_unknown_header_count_ends_at_the_block_flagged_last() -> None:
    info = bytes(10) + bytes([0x0A, 0xC4, 0x40]) + bytes(21)  # STREAMINFO: 44100 Hz
    bos = b"\x7fFLAC\x01\x00\x00\x00fLaC" + b"\x00\x00\x00\x22" + info  # count 0: unknown
    comment = b"\x04" + (20).to_bytes(3, "big") + struct.pack("<I", 0) + struct.pack("<I", 1) \
        + struct.pack("<I", 8) + b"TITLE=Hi"
    pages = [make_page([bos], serial=9, seq=0, flags=BOS),
             make_page([comment], serial=9, seq=1),
             make_page([b"\x81\x00\x00\x04" + bytes(4)], serial=9, seq=2),  # padding, last
             make_page([b"\xff\xf8" + bytes(30)], serial=9, seq=3, granule=4096),
             make_page([b"\xff\xf8" + bytes(30)], serial=9, seq=4, granule=8192)]
    units = OggSplitter().feed_units(b"".join(pages))
    assert units[0].data == b"".join(pages[:3])
    assert (units[0].chain.codec, units[0].chain.rate, units[0].chain.title) == \
        ("flac", 44100, "Hi")
    assert [u.seconds for u in units[1:]] == [0.0, pytest.approx(4096 / 44100)]
