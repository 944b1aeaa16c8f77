"""ICY in-band metadata taken out of a live stream (REFERENCE.md section 1). Pure model.

The server sends `metaint` audio bytes, then one length byte L, then L*16 bytes of
NUL-padded `StreamTitle='...';StreamUrl='...';` (L=0: nothing new). The demuxer keeps its
place across calls, so any split of the stream into reads gives the same audio and titles;
each title comes with its offset in the audio of the call that completed it, so the
reader can give it the moment of the audio it came with.
"""

from __future__ import annotations

MAX_TITLE = 200


def clean_title(raw: bytes) -> str:
    """StreamTitle's value as one printable line: utf-8, else latin-1; capped."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 3] + "..."


def stream_title(block: bytes) -> str | None:
    """The StreamTitle of one metadata block, or None when it has none."""
    block = block.rstrip(b"\0")
    start = block.find(b"StreamTitle='")
    if start < 0:
        return None
    start += len(b"StreamTitle='")
    end = block.find(b"';", start)  # a title may hold an apostrophe: the field ends at ';
    if end < 0:
        end = len(block[start:].rstrip(b"'")) + start
    return clean_title(block[start:end])


class IcyDemuxer:
    """Splits audio from metadata. `metaint` None or 0: the stream carries no metadata."""

    def __init__(self, metaint: int | None) -> None:
        self.metaint = metaint or 0
        self._audio_left = self.metaint  # audio bytes before the next length byte
        self._meta_left = -1  # -1: not in a block; else bytes of the block still to come
        self._meta = bytearray()

    def feed(self, data: bytes) -> tuple[bytes, list[tuple[int, str]]]:
        if not self.metaint:
            return bytes(data), []
        view = memoryview(data)
        audio = bytearray()
        titles: list[tuple[int, str]] = []
        pos, n = 0, len(view)
        while pos < n:
            if self._meta_left < 0 and self._audio_left > 0:  # audio, in one slice
                take = min(self._audio_left, n - pos)
                audio += view[pos:pos + take]
                pos += take
                self._audio_left -= take
            elif self._meta_left < 0:  # the length byte
                self._meta_left = view[pos] * 16
                pos += 1
                self._meta.clear()
            else:
                take = min(self._meta_left, n - pos)
                self._meta += view[pos:pos + take]
                pos += take
                self._meta_left -= take
            if self._meta_left == 0:  # the block is complete (or L was 0)
                title = stream_title(bytes(self._meta)) if self._meta else None
                if title is not None:
                    titles.append((len(audio), title))
                self._meta_left = -1
                self._audio_left = self.metaint
        return bytes(audio), titles
