"""What an Ogg stream's header packets say: the codec, the granule rate, how many header
packets it has, and the title in its comments. Pure model over bytes (remote input: every
field is bounds-checked; a packet that is not what it claims is "not a codec we hold").

Held codecs and their mappings (the first packet of the BOS page tells):
- Vorbis (`\\x01vorbis`): 3 header packets (id, comment, setup); granules count samples at
  the id header's rate.
- Opus (`OpusHead`): 2 header packets (OpusHead, OpusTags); granules count 48 kHz samples.
- FLAC in Ogg (`\\x7fFLAC`): the mapping header names how many header packets follow (0:
  unknown, then until a metadata block flagged "last"); granules count samples at
  STREAMINFO's rate.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

CODECS = ("vorbis", "opus", "flac")
MAX_TITLE_FIELD = 1024  # bytes of one comment field read for the title


@dataclass(frozen=True)
class CodecInfo:
    codec: str
    rate: int  # granule positions per second
    header_packets: int | None  # None: until a packet says it is the last (FLAC, count 0)


def identify(packet: bytes) -> CodecInfo | None:
    """The codec of a logical stream from its first packet; None when not one we hold."""
    if packet[:7] == b"\x01vorbis" and len(packet) >= 30:
        rate = struct.unpack_from("<I", packet, 12)[0]
        return CodecInfo("vorbis", rate, 3) if rate > 0 else None
    if packet[:8] == b"OpusHead" and len(packet) >= 19:
        return CodecInfo("opus", 48000, 2)
    if packet[:5] == b"\x7fFLAC" and len(packet) >= 51 and packet[9:13] == b"fLaC":
        count = struct.unpack_from(">H", packet, 7)[0]
        info = packet[17:]
        rate = info[10] << 12 | info[11] << 4 | info[12] >> 4
        if rate == 0:
            return None
        if count == 0 and packet[13] & 0x80:  # STREAMINFO is the last metadata block
            return CodecInfo("flac", rate, 1)
        return CodecInfo("flac", rate, 1 + count if count else None)
    return None


def is_last_header(info: CodecInfo, packet: bytes) -> bool:
    """For FLAC with an unknown header count: the metadata block flagged last."""
    return info.codec == "flac" and bool(packet[:1]) and bool(packet[0] & 0x80)


def comment_title(info: CodecInfo, packet: bytes) -> str | None:
    """"ARTIST - TITLE" (or TITLE) from a comment header packet; None when `packet` is not
    the codec's comment header or names no title."""
    if info.codec == "vorbis" and packet[:7] == b"\x03vorbis":
        body = packet[7:]
    elif info.codec == "opus" and packet[:8] == b"OpusTags":
        body = packet[8:]
    elif info.codec == "flac" and packet[:1] and packet[0] & 0x7F == 4:
        body = packet[4:]
    else:
        return None
    fields = _comments(body)
    title, artist = fields.get("title", ""), fields.get("artist", "")
    if not title:
        return None
    return f"{artist} - {title}" if artist else title


def _comments(body: bytes) -> dict[str, str]:
    """The first value of each field of a Vorbis comment block (bounded; bad data ends it)."""
    found: dict[str, str] = {}
    try:
        (vendor,) = struct.unpack_from("<I", body, 0)
        pos = 4 + vendor
        (count,) = struct.unpack_from("<I", body, pos)
        pos += 4
        for _ in range(min(count, 1000)):
            (size,) = struct.unpack_from("<I", body, pos)
            pos += 4
            if pos + size > len(body):
                break
            key, eq, value = body[pos:pos + min(size, MAX_TITLE_FIELD)].partition(b"=")
            pos += size
            if eq:
                found.setdefault(key.decode("ascii", "replace").lower(),
                                 value.decode("utf-8", "replace"))
    except struct.error:
        pass
    return found
