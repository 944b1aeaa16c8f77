"""A feed's bytes made safe for feedparser to read, before it reads them (pure, no I/O).

- More than MAX_FEED_TAGS tags ("<", CDATA included) is refused: feedparser spends some
  20-50 us of Python on each element, so 5 MB of `<x>` would hold a worker for a minute. A
  50-story feed with full bodies has about 4000, a 5 MB podcast feed of 3000 episodes about
  60000.
- A character reference no text can hold (`&#xD800;`, `&#x110000;`, 5000 digits) makes
  feedparser's lenient parser raise, losing every story: it becomes U+FFFD.
"""

from __future__ import annotations

import re

MAX_FEED_TAGS = 150_000
_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+)")


def _charref(match: re.Match[bytes]) -> bytes:
    ref = match.group(1)
    hexadecimal = ref[:1] in b"xX"
    digits = (ref[1:] if hexadecimal else ref).lstrip(b"0") or b"0"
    if len(digits) <= 8:
        value = int(digits, 16 if hexadecimal else 10)
        if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF:
            return match.group(0)
    return b"&#xFFFD"


def too_many_tags(data: bytes) -> str | None:
    """Why `data` is not read ("N tags, more than a feed has (M)"), or None."""
    tags = data.count(b"<")
    return f"{tags} tags, more than a feed has ({MAX_FEED_TAGS})" if tags > MAX_FEED_TAGS else None


def readable_charrefs(data: bytes) -> bytes:
    """`data` with every character reference no text can hold replaced by U+FFFD's."""
    return _CHARREF.sub(_charref, data)
