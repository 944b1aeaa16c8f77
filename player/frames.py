"""Audio frames of a live stream: MP3 (MPEG 1/2/2.5 layer III), ADTS AAC and, through
player.ogg, Ogg pages (Vorbis, Opus, FLAC). Pure model.

A sync word is trusted only when a valid header is followed by another valid header of the
same stream parameters exactly one frame later: a stray 0xFFF in the audio or garbage (a
join mid-frame, a web page) is skipped. Once in sync the splitter steps from header to
header (no per-byte work); a header that does not match drops it back to the search (so
junk that begins with a header of the stream's own parameters passes as one frame, which
the decoder skips).
Any split of the input into calls gives the same frames.

`FrameSplitter(codec)` is the one entry point for every codec held: for "vorbis", "opus"
and "flac" (in Ogg) it splits pages (player.ogg), with the same interface. `feed_units`
adds what only Ogg has: the header sets, marked with the chain they begin.
"""

from __future__ import annotations

from dataclasses import dataclass

from player.ogg import CAPTURE, OggSplitter, Unit
from player.playlists import is_web_page

_MP3_BITRATES = {  # kbit/s by bitrate index 1..14
    1: (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG1 layer III
    2: (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG2/2.5 layer III
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025,
               8000, 7350)
MP3_TYPES = ("audio/mpeg", "audio/mp3", "audio/x-mpeg", "audio/mpeg3", "audio/x-mp3")
AAC_TYPES = ("audio/aac", "audio/aacp", "audio/x-aac", "audio/x-aacp")
OGG_CODECS = ("vorbis", "opus", "flac")  # held in Ogg pages ("ogg": any of them)
OGG_HINTS = ("ogg", "opus", "vorbis")  # a Content-Type naming one of these is Ogg
SNIFF_FRAMES = 3  # consecutive frames that make a head "audio" when the type says nothing
CONTENT_TYPES = {"mp3": "audio/mpeg", "aac": "audio/aac", "vorbis": "audio/ogg",
                 "opus": "audio/ogg", "flac": "audio/ogg"}  # what the relay answers with
NOT_HELD = ""  # classify: decided, not a stream we hold
_OTHER_MAGIC = (b"RIFF", b"fLaC", b"\x1aE\xdf\xa3", b"FORM", b".snd")  # WAV, FLAC, WebM...


@dataclass(frozen=True)
class Header:
    length: int  # bytes of the whole frame, header included
    seconds: float
    key: int  # the stream parameters two frames of one stream share


def mp3_header(b: bytes | bytearray, i: int) -> Header | None:
    """The MPEG audio layer III header at b[i:i+4], or None."""
    if b[i] != 0xFF or b[i + 1] & 0xE0 != 0xE0:
        return None
    version = (b[i + 1] >> 3) & 3  # 0: 2.5, 1: reserved, 2: MPEG2, 3: MPEG1
    layer = (b[i + 1] >> 1) & 3  # 1: layer III
    bitrate_index = b[i + 2] >> 4
    rate_index = (b[i + 2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    rate = _MP3_RATES[version][rate_index]
    kbps = _MP3_BITRATES[1 if version == 3 else 2][bitrate_index - 1]
    padding = (b[i + 2] >> 1) & 1
    samples = 1152 if version == 3 else 576
    length = samples // 8 * kbps * 1000 // rate + padding
    mono = int(b[i + 3] & 0xC0 == 0xC0)  # stereo and joint stereo may alternate; mono never
    key = (b[i + 1] & 0xFE) << 8 | (b[i + 2] & 0x0C) | mono  # version, layer, rate, mono
    return Header(length, samples / rate, key)


def adts_header(b: bytes | bytearray, i: int) -> Header | None:
    """The ADTS header at b[i:i+7], or None."""
    if b[i] != 0xFF or b[i + 1] & 0xF6 != 0xF0:  # sync, layer 00
        return None
    rate_index = (b[i + 2] >> 2) & 0xF
    if rate_index >= len(_ADTS_RATES):
        return None
    length = (b[i + 3] & 3) << 11 | b[i + 4] << 3 | b[i + 5] >> 5
    header_len = 7 if b[i + 1] & 1 else 9
    if length <= header_len:
        return None
    blocks = (b[i + 6] & 3) + 1
    channels = (b[i + 2] & 1) << 2 | b[i + 3] >> 6
    key = (b[i + 1] & 0x08) << 16 | (b[i + 2] & 0xFC) << 8 | channels  # id, profile, rate, ch
    return Header(length, 1024 * blocks / _ADTS_RATES[rate_index], key)


_PARSERS = {"mp3": (mp3_header, 4), "aac": (adts_header, 7)}


class FrameSplitter:
    """Whole frames out of a byte stream of one codec ("mp3", "aac", or Ogg pages of
    "vorbis", "opus", "flac"); KeyError for another. `headless` (Ogg): the input may be a
    cut of a stream without its header pages (a recording's read); False for a reader,
    which skips pages until the first header set."""

    def __init__(self, codec: str, *, headless: bool = True) -> None:
        self.codec = codec
        self._ogg: OggSplitter | None = None
        if codec in OGG_CODECS or codec == "ogg":
            self._ogg = OggSplitter(headless=headless,
                                    rate_hint=48000 if codec == "opus" else None)
            self.parse, self.header_len = None, 27
        else:
            self.parse, self.header_len = _PARSERS[codec]
        self._buf = bytearray()
        self._key: int | None = None  # the locked stream's parameters; None: searching
        self.skipped = 0  # bytes of garbage dropped so far
        self.consumed = 0  # input bytes handled so far (frames out plus garbage)

    @property
    def position(self) -> int:
        """Input bytes received so far (handled plus waiting for the rest of a frame)."""
        return self._ogg.position if self._ogg is not None else self.consumed + len(self._buf)

    def feed_units(self, data: bytes) -> list[Unit]:
        """Like `feed`, with Ogg's header sets marked (Unit.chain)."""
        if self._ogg is None:
            return [Unit(frame, seconds) for frame, seconds in self.feed(data)]
        units = self._ogg.feed_units(data)
        self.consumed, self.skipped = self._ogg.consumed, self._ogg.skipped
        return units

    def feed(self, data: bytes) -> list[tuple[bytes, float]]:
        if self._ogg is not None:
            return [(u.data, u.seconds) for u in self.feed_units(data)]
        buf = self._buf
        buf += data
        frames: list[tuple[bytes, float]] = []
        pos, n, hl, parse = 0, len(buf), self.header_len, self.parse
        while n - pos >= hl:
            head = parse(buf, pos)
            if self._key is not None:  # in sync: step frame to frame
                if head is None or head.key != self._key:
                    self._key = None
                    continue
                if n - pos < head.length:
                    break
                frames.append((bytes(buf[pos:pos + head.length]), head.seconds))
                pos += head.length
                continue
            if head is not None:  # searching: a header is trusted when the next one follows
                after = pos + head.length
                if n - after < hl:
                    break  # wait for the next header
                nxt = parse(buf, after)
                if nxt is not None and nxt.key == head.key:
                    self._key = head.key
                    continue
            found = buf.find(b"\xff", pos + 1)
            skip_to = found if found >= 0 else n
            self.skipped += skip_to - pos
            pos = skip_to
        del buf[:pos]
        self.consumed += pos
        return frames


def _is_audio(codec: str, head: bytes) -> bool:
    splitter = FrameSplitter(codec)
    return len(splitter.feed(head)) >= SNIFF_FRAMES


def ogg_codec(head: bytes) -> str | None:
    """The codec of the first Ogg BOS page in `head` (NOT_HELD: one we do not hold), or
    None when no whole BOS page is there (yet)."""
    splitter = OggSplitter()
    splitter.feed_units(head)
    if splitter.first is None:
        return None
    return splitter.first.codec if splitter.first.codec else NOT_HELD


def classify(content_type: str, head: bytes) -> str | None:
    """What the stream is, from its Content-Type and first bytes: "mp3", "aac", "vorbis",
    "opus", "flac"; NOT_HELD ("") when decided that it is not a stream we hold (a web
    page, a playlist, another codec or container); None while more bytes may tell."""
    ctype = content_type.split(";")[0].strip().lower()
    if is_web_page(content_type, head):
        return NOT_HELD
    ogg = ogg_codec(head) if CAPTURE in head else None
    if ogg is not None:  # whatever the type says
        return ogg
    if ctype in MP3_TYPES:
        return "mp3"
    if ctype in AAC_TYPES:
        return "aac"
    if ctype.startswith("text/") or "mpegurl" in ctype or "scpls" in ctype:
        return NOT_HELD
    if any(hint in ctype for hint in OGG_HINTS):
        return None  # the BOS page is still to come
    if ctype.startswith(("audio/", "video/")) or head[:4] in _OTHER_MAGIC:
        return NOT_HELD  # a type libvlc may play, that we do not split
    for codec in ("aac", "mp3"):
        if _is_audio(codec, head):
            return codec
    return None


def codec_for(content_type: str, head: bytes) -> str | None:
    """"mp3", "aac", "vorbis", "opus", "flac" or None (not a stream we can hold), once
    `head` is all there is to go by. A web page is never audio."""
    return classify(content_type, head) or None
