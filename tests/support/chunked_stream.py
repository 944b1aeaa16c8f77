"""A live MP3 stream over HTTP/1.1 with `Transfer-Encoding: chunked` (as a stream behind
nginx or a CDN often is), on loopback: one chunk per run of bytes that went on the air.
An HTTP/1.0 request is answered without chunks, as HTTP/1.1 asks of a server.

    with ChunkedStreamServer(364) as server:  # the rising tone from 364 Hz
        play(server.url)
"""

from __future__ import annotations

from tests.support.paced_stream import Listener, PacedStreamServer


class _Chunked:
    def head(self) -> bytes:
        return (b"HTTP/1.1 200 OK\r\nContent-Type: audio/mpeg\r\nCache-Control: no-cache\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")

    def wrap(self, audio: bytes) -> bytes:
        return b"%x\r\n%s\r\n" % (len(audio), audio)


class _Plain:
    def head(self) -> bytes:
        return b"HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nCache-Control: no-cache\r\n\r\n"

    def wrap(self, audio: bytes) -> bytes:
        return audio


class ChunkedStreamServer(PacedStreamServer):
    """The rising tone as chunked HTTP/1.1 at /live (no extension, as such streams are)."""

    path = "/live"

    def listener(self, request_line: str, headers: dict[str, str]) -> Listener:
        return _Chunked() if request_line.endswith("HTTP/1.1") else _Plain()
