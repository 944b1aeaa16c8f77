"""Ogg pages out of a live byte stream (RFC 3533), for catch-up. Pure model.

A page is trusted only when its capture pattern ("OggS"), version 0, flags, segment table
and CRC (the Ogg CRC-32, computed by zlib on bit-reversed bytes, as mutagen does) all
check out, so garbage never passes; a page that fails is skipped a byte at a time. Any
split of the input into calls gives the same output. Linear time: a page is checked once,
and while searching (after garbage) the CRC work is capped at SEARCH_BUDGET bytes per byte
scanned, so crafted garbage full of capture patterns cannot make it quadratic.

What comes out are `Unit`s, each a run of whole pages:
- a header set: the BOS page and the pages up to the end of the codec's header packets
  (player.ogg_codecs), with the `Chain` it begins (codec, rate, the title in its comments);
  a new BOS (a chained stream: the source restarted or Icecast retitled) begins a new one;
- audio: pages up to one whose granule position is set (a page that ends no packet has
  -1 and rides with the next), timed by the granule delta at the chain's rate. The first
  audio unit of a chain (a join mid-stream: its granule says how long the source has run,
  not how long the unit is) and a delta that makes no sense (negative, or over MAX_UNIT_S)
  are estimated from the bytes at the rate of the last unit timed (0 s before any).
Pages of another logical stream (a multiplexed one) and pages before the first BOS are
skipped, unless `headless` (splitting a cut of a held stream: no BOS to come) where each
unit's seconds are 0 (Opus: 48 kHz is known).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import NamedTuple

from player.ogg_codecs import CodecInfo, comment_title, identify, is_last_header

CAPTURE = b"OggS"
CONTINUED, BOS, EOS = 1, 2, 4
MAX_HEADER_BYTES = 1 << 20  # a header set larger than this is not held
MAX_PENDING_BYTES = 1 << 20  # pages that end no packet, held for the next granule
MAX_UNIT_S = 10.0
SEARCH_BUDGET = 64  # CRC bytes checked per byte scanned while searching
SEARCH_ALLOWANCE = 1 << 18
_BITSWAP = bytes(int(f"{i:08b}"[::-1], 2) for i in range(256))
_PAGE = struct.Struct("<4sBBqIIIB")


def ogg_crc(data: bytes) -> int:
    """The Ogg CRC-32 (polynomial 0x04C11DB7, no reflection, initial 0) of `data`."""
    crc = ~zlib.crc32(data.translate(_BITSWAP), -1) & 0xFFFFFFFF
    return int.from_bytes(crc.to_bytes(4, "big").translate(_BITSWAP), "little")


def page_checks(page: bytes) -> bool:
    """True when `page` (one whole page) carries its own CRC."""
    stored = int.from_bytes(page[22:26], "little")
    return ogg_crc(page[:22] + b"\0\0\0\0" + page[26:]) == stored


def make_page(body_packets: list[bytes], *, serial: int, seq: int, granule: int = 0,
              flags: int = 0) -> bytes:
    """One page holding `body_packets` whole (each under 64 KiB): for tests and tools."""
    lacing = b"".join(b"\xff" * (len(p) // 255) + bytes([len(p) % 255]) for p in body_packets)
    head = _PAGE.pack(CAPTURE, 0, flags, granule, serial, seq, 0, len(lacing))
    page = head + lacing + b"".join(body_packets)
    return page[:22] + ogg_crc(page).to_bytes(4, "little") + page[26:]


@dataclass(frozen=True)
class Chain:
    """One logical stream of a (possibly chained) Ogg stream."""

    codec: str | None  # None: a codec not held (its audio is not timed)
    rate: int
    title: str
    serial: int


class Unit(NamedTuple):
    data: bytes
    seconds: float
    chain: Chain | None = None  # set on a header set: the chain it begins


@dataclass
class _Stream:
    serial: int
    header: bytearray
    info: CodecInfo | None = None
    packets: int = 0
    packet: bytearray = field(default_factory=bytearray)
    title: str = ""
    ready: bool = False
    granule: int | None = None
    pending: list[bytes] = field(default_factory=list)


class OggSplitter:
    """Units (see the module docstring) out of an Ogg byte stream."""

    def __init__(self, *, headless: bool = False, rate_hint: int | None = None) -> None:
        self.headless = headless
        self.rate_hint = rate_hint  # the granule rate of a headless cut, when known
        self._buf = bytearray()
        self._stream: _Stream | None = None
        self._seen_bos = False
        self.first: Chain | None = None  # the first logical stream's codec, once its BOS came
        self._synced = False
        self._checked = 0  # CRC bytes checked while searching
        self._spb = 0.0  # seconds per byte of the last timed unit (the estimate)
        self._last_granule: int | None = None  # headless timing
        self.skipped = 0  # bytes of garbage and foreign pages dropped so far
        self.consumed = 0  # input bytes handled so far

    @property
    def position(self) -> int:
        return self.consumed + len(self._buf)

    def feed(self, data: bytes) -> list[tuple[bytes, float]]:
        """Every unit as (bytes, seconds): header sets are 0 s (FrameSplitter's interface)."""
        return [(u.data, u.seconds) for u in self.feed_units(data)]

    def feed_units(self, data: bytes) -> list[Unit]:
        buf = self._buf
        buf += data
        out: list[Unit] = []
        pos, n = 0, len(buf)
        while n - pos >= 27:
            if not buf.startswith(CAPTURE, pos):
                found = buf.find(CAPTURE, pos + 1)
                pos = self._skip(pos, found if found >= 0 else max(pos + 1, n - 3))
                continue
            nseg = buf[pos + 26]
            if buf[pos + 4] != 0 or buf[pos + 5] & 0xF8:
                pos = self._skip(pos, pos + 1)
                continue
            if n - pos < 27 + nseg:
                break
            total = 27 + nseg + sum(buf[pos + 27:pos + 27 + nseg])
            if n - pos < total:
                break
            if not self._synced:
                if self._checked + total > SEARCH_ALLOWANCE + SEARCH_BUDGET * (
                        self.consumed + pos):
                    pos = self._skip(pos, pos + 1)
                    continue
                self._checked += total
            page = bytes(buf[pos:pos + total])
            if not page_checks(page):
                pos = self._skip(pos, pos + 1)
                continue
            self._synced = True
            pos += total
            self._page(page, nseg, out)
        del buf[:pos]
        self.consumed += pos
        return out

    def _skip(self, pos: int, to: int) -> int:
        self._synced = False
        self.skipped += to - pos
        return to

    # -- pages ---------------------------------------------------------------------------
    def _page(self, page: bytes, nseg: int, out: list[Unit]) -> None:
        _, _, flags, granule, serial, _, _, _ = _PAGE.unpack_from(page)
        stream = self._stream
        if flags & BOS:
            self._seen_bos = True
            stream = self._stream = _Stream(serial, bytearray())
        elif stream is None or serial != stream.serial:
            if self.headless and not self._seen_bos:
                out.append(Unit(page, self._headless_seconds(granule)))
            else:
                self.skipped += len(page)
            return
        if not stream.ready:
            self._header_page(stream, page, nseg, out)
        elif granule == -1:
            stream.pending.append(page)
            if sum(len(p) for p in stream.pending) > MAX_PENDING_BYTES:
                out.append(Unit(b"".join(stream.pending), 0.0))
                stream.pending.clear()
        else:
            data = b"".join([*stream.pending, page])
            stream.pending.clear()
            out.append(Unit(data, self._seconds(stream, granule, len(data))))
        if flags & EOS:
            self._stream = None  # what follows must be a new BOS

    def _header_page(self, stream: _Stream, page: bytes, nseg: int, out: list[Unit]) -> None:
        stream.header += page
        body = 27 + nseg
        for lacing in page[27:27 + nseg]:
            if len(stream.packet) + lacing <= MAX_HEADER_BYTES:
                stream.packet += page[body:body + lacing]
            body += lacing
            if lacing < 255:
                self._header_packet(stream, bytes(stream.packet))
                stream.packet.clear()
                if stream.ready:
                    break
        if len(stream.header) > MAX_HEADER_BYTES:
            stream.info, stream.ready = None, True
        if stream.ready:
            codec = stream.info.codec if stream.info is not None else None
            rate = stream.info.rate if stream.info is not None else 0
            out.append(Unit(bytes(stream.header), 0.0,
                            Chain(codec, rate, stream.title, stream.serial)))
            stream.header = bytearray()  # the first audio unit is estimated: a join
            if stream.info is None:  # not held: its pages are skipped
                self._stream = None

    def _header_packet(self, stream: _Stream, packet: bytes) -> None:
        stream.packets += 1
        if stream.packets == 1:
            stream.info = info = identify(packet)
            if self.first is None:
                self.first = Chain(info and info.codec, info.rate if info else 0, "",
                                   stream.serial)
            stream.ready = stream.info is None or stream.info.header_packets == 1
            return
        info = stream.info
        title = comment_title(info, packet)
        if title and not stream.title:
            stream.title = title
        wanted = info.header_packets
        stream.ready = stream.packets >= wanted if wanted else is_last_header(info, packet)

    def _seconds(self, stream: _Stream, granule: int, size: int) -> float:
        prev, stream.granule = stream.granule, granule
        rate = stream.info.rate
        if prev is not None and 0 <= granule - prev <= MAX_UNIT_S * rate:
            seconds = (granule - prev) / rate
            if size:
                self._spb = seconds / size
            return seconds
        return min(MAX_UNIT_S, self._spb * size)

    def _headless_seconds(self, granule: int) -> float:
        prev = self._last_granule
        if granule >= 0:
            self._last_granule = granule
        rate = self.rate_hint
        if rate and prev is not None and granule >= 0 and \
                0 <= granule - prev <= MAX_UNIT_S * rate:
            return (granule - prev) / rate
        return 0.0
