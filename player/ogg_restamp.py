"""A cut of a held Ogg stream made a file of its own (a recording). Pure model.

The pages come from the buffer: the header set in force, then audio pages as the station
sent them, whose sequence numbers and granule positions count from when the source
started. Each page is rewritten (its CRC recomputed): sequence numbers follow on from the
header pages of its logical stream, and the granules of Opus and FLAC are moved so the
file starts at 0 (its first page's granule becomes the samples of the packets that begin
on it: Opus TOC bytes, RFC 6716 section 3.1; FLAC frame headers' block size): players and
ffprobe then give the file's own duration, not the station's running time. Vorbis granules
are kept (a packet's length needs the whole setup header to count; ffprobe and libvlc take
the first granule as the start). A new chain (BOS) is a file's chain of its own: kept.
"""

from __future__ import annotations

import struct

from player.ogg import BOS, CONTINUED, ogg_crc

_HEAD = struct.Struct("<4sBBqIIIB")
_SILK, _HYBRID, _CELT = (480, 960, 1920, 2880), (480, 960), (120, 240, 480, 960)


def opus_samples(packet: bytes) -> int:
    """The 48 kHz samples an Opus packet decodes to (0 for an empty or bad one)."""
    if not packet:
        return 0
    config, code = packet[0] >> 3, packet[0] & 3
    frame = _SILK[config % 4] if config < 12 else \
        _HYBRID[config % 2] if config < 16 else _CELT[config % 4]
    frames = 1 if code == 0 else 2 if code < 3 else \
        (packet[1] & 0x3F if len(packet) > 1 else 0)
    return frame * frames


def flac_samples(packet: bytes) -> int:
    """The samples of a FLAC frame (one Ogg FLAC packet), from its header; 0 if bad."""
    if len(packet) < 6 or packet[0] != 0xFF or packet[1] & 0xFE != 0xF8:
        return 0
    code = packet[2] >> 4
    if code == 1:
        return 192
    if 2 <= code <= 5:
        return 576 << (code - 2)
    if code >= 8:
        return 256 << (code - 8)
    if code not in (6, 7):
        return 0
    lead = next((i for i in range(8) if not packet[4] << i & 0x80), 8)  # UTF-8-coded number
    at = 4 + max(1, lead)
    if at + code - 5 >= len(packet):
        return 0
    return (packet[at] if code == 6 else packet[at] << 8 | packet[at + 1]) + 1


_COUNTERS = {b"OpusHead": opus_samples, b"\x7fFLAC": flac_samples}


def _begun_samples(page: bytes, nseg: int, flags: int, count) -> int:
    """Samples of the packets that begin and end on `page`."""
    total, pos, start, skip = 0, 27 + nseg, 27 + nseg, bool(flags & CONTINUED)
    for lacing in page[27:27 + nseg]:
        pos += lacing
        if lacing < 255:
            if not skip:
                total += count(page[start:pos])
            skip, start = False, pos
    return total


class _Stream:
    def __init__(self, seq: int, count) -> None:
        self.next_seq = seq + 1
        self.count = count  # a packet's samples (None: Vorbis, granules kept)
        self.base: int | None = None  # granule offset, set by the first audio page


class Restamper:
    """Feed whole pages (a Cursor's reads, from the header set on); get them rewritten."""

    def __init__(self) -> None:
        self._streams: dict[int, _Stream] = {}

    def feed(self, data: bytes) -> bytes:
        out, pos, n = [], 0, len(data)
        while n - pos >= 27 and data.startswith(b"OggS", pos):
            nseg = data[pos + 26]
            if n - pos < 27 + nseg:
                break
            end = pos + 27 + nseg + sum(data[pos + 27:pos + 27 + nseg])
            if end > n:
                break
            out.append(self._page(data[pos:end], nseg))
            pos = end
        out.append(data[pos:])  # not pages (never from the buffer): as they are
        return b"".join(out)

    def _page(self, page: bytes, nseg: int) -> bytes:
        _, _, flags, granule, serial, seq, _, _ = _HEAD.unpack_from(page)
        if flags & BOS:
            body = page[27 + nseg:]
            self._streams[serial] = _Stream(seq, next(
                (count for magic, count in _COUNTERS.items() if body.startswith(magic)), None))
            return page
        stream = self._streams.get(serial)
        if stream is None:
            return page
        seq, stream.next_seq = stream.next_seq, stream.next_seq + 1
        if stream.count is not None and granule > 0:
            if stream.base is None:
                stream.base = max(0, granule - _begun_samples(page, nseg, flags, stream.count))
            granule -= stream.base
        head = _HEAD.pack(b"OggS", 0, flags, granule, serial, seq, 0, nseg)
        page = head + page[27:]
        return page[:22] + ogg_crc(page).to_bytes(4, "little") + page[26:]
