"""A Shoutcast v1 server (SHOUTcast DNAS 1.x) on loopback: it answers `ICY 200 OK` (no HTTP
version in the status line), with icy-* headers, and to a listener that sent
`Icy-MetaData: 1` an ICY metadata block after every METAINT bytes of MP3 (REFERENCE.md
section 1): the title in the first block and after each change, an empty block otherwise.

    with ShoutcastServer(356) as server:  # the rising tone from 356 Hz
        play(server.url)
"""

from __future__ import annotations

from tests.support.paced_stream import Listener, PacedStreamServer

METAINT = 8192
TITLE = "Shoutcast Artist - Shoutcast Song"


def metadata_block(title: str) -> bytes:
    """One ICY metadata block: a length byte (in 16-byte units), then the padded text."""
    if not title:
        return b"\x00"
    text = f"StreamTitle='{title}';".encode()
    units = -(-len(text) // 16)
    return bytes([units]) + text.ljust(16 * units, b"\x00")


class _IcyListener:
    def __init__(self, server: ShoutcastServer, metaint: int) -> None:
        self.server, self.metaint = server, metaint
        self.until_meta = metaint
        self.sent_title: str | None = None

    def head(self) -> bytes:
        lines = ["ICY 200 OK", "icy-notice1:<BR>This stream requires Winamp<BR>",
                 "icy-notice2:SHOUTcast Distributed Network Audio Server/Linux v1.9.8<BR>",
                 f"icy-name:{self.server.name}", "icy-genre:Test", "icy-url:http://127.0.0.1/",
                 "content-type:audio/mpeg", "icy-pub:0", f"icy-br:{self.server.kbps}"]
        if self.metaint:
            lines.append(f"icy-metaint:{self.metaint}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def wrap(self, audio: bytes) -> bytes:
        if not self.metaint:
            return audio
        out = bytearray()
        while audio:
            take = audio[:self.until_meta]
            out += take
            audio = audio[len(take):]
            self.until_meta -= len(take)
            if self.until_meta == 0:
                title = self.server.title
                out += metadata_block(title if title != self.sent_title else "")
                self.sent_title, self.until_meta = title, self.metaint
        return bytes(out)


class ShoutcastServer(PacedStreamServer):
    """Shoutcast v1 at `/;` (how directories list such streams), MP3 of the rising tone."""

    path = "/;"

    def __init__(self, base_hz: int, *, kbps: int = 128, name: str = "Shoutcast Test",
                 title: str = TITLE) -> None:
        super().__init__(base_hz, kbps=kbps)
        self.kbps, self.name, self.title = kbps, name, title

    def listener(self, request_line: str, headers: dict[str, str]) -> Listener:
        return _IcyListener(self, METAINT if headers.get("icy-metadata") == "1" else 0)
