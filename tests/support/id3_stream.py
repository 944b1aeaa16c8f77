"""A live MP3 stream that starts with an ID3v2 tag (as some servers that stream from files
send it), on loopback: every listener first gets the tag, then the live bytes. The tag
(made with mutagen) holds a title, an artist and a PRIV frame of seeded random bytes, so
a reader that looks for MP3 sync words in it meets the stray 0xFF bytes a real tag's
picture holds.

    with Id3StreamServer(372) as server:  # the rising tone from 372 Hz
        play(server.url)
"""

from __future__ import annotations

import io
import random

from mutagen.id3 import ID3, PRIV, TIT2, TPE1

from tests.support.paced_stream import Listener, PacedStreamServer


def id3_tag(title: str, artist: str, blob_bytes: int = 3000) -> bytes:
    """An ID3v2.4 tag: TIT2, TPE1 and a PRIV frame of `blob_bytes` random bytes."""
    tag = ID3()
    tag.add(TIT2(encoding=3, text=title))
    tag.add(TPE1(encoding=3, text=artist))
    tag.add(PRIV(owner="test.onair", data=random.Random(14).randbytes(blob_bytes)))
    out = io.BytesIO()
    tag.save(out, v2_version=4, padding=lambda _info: 512)
    return out.getvalue()


class _TaggedStart:
    def __init__(self, tag: bytes) -> None:
        self.tag = tag

    def head(self) -> bytes:
        return b"HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n" + self.tag

    def wrap(self, audio: bytes) -> bytes:
        return audio


class Id3StreamServer(PacedStreamServer):
    """The rising tone at /tagged.mp3, each answer starting with `tag`."""

    path = "/tagged.mp3"

    def __init__(self, base_hz: int, *, kbps: int = 128) -> None:
        super().__init__(base_hz, kbps=kbps)
        self.tag = id3_tag("Tagged Stream", "On Air Tests")

    def listener(self, request_line: str, headers: dict[str, str]) -> Listener:
        return _TaggedStart(self.tag)
