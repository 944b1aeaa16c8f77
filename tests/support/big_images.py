"""Images that declare many pixels in few bytes: one-colour PNGs written row by row.

`solid_png(30000, 30000)` is a valid 1-bit greyscale PNG of about 110 kB (deflate packs
the identical rows about 1000:1) that a decoder would spend gigabytes on; `solid_png(4096,
4096, rgba=(...))` is the largest story image the app's cap lets through, at its most costly
to decode (RGBA). Built without holding the raw pixels in memory.
"""

from __future__ import annotations

import struct
import zlib
from functools import cache

ROWS_PER_FEED = 256


def _chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


@cache
def solid_png(width: int, height: int, rgba: tuple[int, int, int, int] | None = None) -> bytes:
    """A width x height PNG of one colour: 1-bit grey (white) by default, RGBA with `rgba`."""
    if rgba is None:
        header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
        row = b"\x00" + b"\xff" * ((width + 7) // 8)
    else:
        header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
        row = b"\x00" + bytes(rgba) * width
    packer = zlib.compressobj(9)
    parts = []
    block = row * ROWS_PER_FEED
    whole, rest = divmod(height, ROWS_PER_FEED)
    for _ in range(whole):
        parts.append(packer.compress(block))
    parts.append(packer.compress(row * rest))
    parts.append(packer.flush())
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", b"".join(parts))
            + _chunk(b"IEND", b""))
