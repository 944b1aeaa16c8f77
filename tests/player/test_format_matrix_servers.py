"""The format matrix's own servers (tests/support/paced_stream.py and its subclasses) speak
as they claim, seen from a raw socket: Shoutcast v1's `ICY 200 OK` and metadata blocks,
HTTP/1.1 chunks, the ID3 tag first; the audio after the framing is the loop's bytes in
order, paced in real time; close() ends every listener and thread."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from mutagen.id3 import ID3

from tests.support.chunked_stream import ChunkedStreamServer
from tests.support.id3_stream import Id3StreamServer
from tests.support.paced_stream import BURST_S, PacedStreamServer
from tests.support.shoutcast import METAINT, ShoutcastServer
from tests.support.wait import wait_until

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, PacedStreamServer]]:
    made = {"icy": ShoutcastServer(500), "chunked": ChunkedStreamServer(600),
            "id3": Id3StreamServer(700)}
    try:
        yield {name: server.start() for name, server in made.items()}
    finally:
        for server in made.values():
            server.close()


def fetch(server: PacedStreamServer, request: str, size: int) -> tuple[bytes, bytes]:
    """(head, at least `size` bytes of body) of `request` sent on a raw socket."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request.encode())
        data = b""
        while b"\r\n\r\n" not in data or len(data) - data.index(b"\r\n\r\n") - 4 < size:
            chunk = sock.recv(65536)
            assert chunk, f"closed after {len(data)} bytes"
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def in_loop(server: PacedStreamServer, audio: bytes) -> bool:
    """`audio` is a run of the server's looped audio, in order."""
    return audio in server.audio + server.audio[:len(audio)]


def test_shoutcast_answers_icy_200_ok_with_a_title_block_every_metaint_bytes(servers) -> None:
    server = servers["icy"]
    head, body = fetch(server, f"GET {server.path} HTTP/1.0\r\nIcy-MetaData: 1\r\n\r\n",
                       2 * METAINT + 200)
    lines = head.decode().split("\r\n")
    assert lines[0] == "ICY 200 OK"
    assert f"icy-metaint:{METAINT}" in lines and "content-type:audio/mpeg" in lines
    first, length = body[:METAINT], body[METAINT] * 16
    block = body[METAINT + 1:METAINT + 1 + length]
    assert block.rstrip(b"\0") == f"StreamTitle='{server.title}';".encode()
    rest = body[METAINT + 1 + length:]
    second = rest[:METAINT]
    assert rest[METAINT] == 0  # no new title: an empty block
    assert in_loop(server, first + second)


def test_shoutcast_sends_no_metadata_to_a_listener_that_did_not_ask(servers) -> None:
    server = servers["icy"]
    head, body = fetch(server, f"GET {server.path} HTTP/1.0\r\n\r\n", METAINT + 100)
    assert b"icy-metaint" not in head and in_loop(server, body[:METAINT + 100])


def test_chunked_answers_http_11_in_chunks_and_http_10_without(servers) -> None:
    server = servers["chunked"]
    head, body = fetch(server, f"GET {server.path} HTTP/1.1\r\nHost: x\r\n\r\n", 4000)
    assert head.startswith(b"HTTP/1.1 200 OK") and b"Transfer-Encoding: chunked" in head
    size_line, _, rest = body.partition(b"\r\n")
    size = int(size_line, 16)
    assert size >= BURST_S * server.byte_rate - 1  # the burst is the first chunk
    assert rest[size:size + 2] == b"\r\n" and in_loop(server, rest[:size])
    head, body = fetch(server, f"GET {server.path} HTTP/1.0\r\n\r\n", 4000)
    assert head.startswith(b"HTTP/1.0 200 OK") and b"chunked" not in head
    assert in_loop(server, body)


def test_the_id3_stream_starts_with_a_tag_then_the_live_bytes(servers) -> None:
    server = servers["id3"]
    _head, body = fetch(server, f"GET {server.path} HTTP/1.0\r\n\r\n", 20000)
    tag = ID3(io.BytesIO(body))
    assert str(tag["TIT2"]) == "Tagged Stream" and body[:3] == b"ID3"
    assert body.startswith(server.tag) and in_loop(server, body[len(server.tag):])


def test_bytes_go_out_in_real_time_after_the_burst(servers) -> None:
    server = servers["chunked"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(f"GET {server.path} HTTP/1.0\r\n\r\n".encode())
        received, start = 0, time.monotonic()
        while time.monotonic() - start < 2.0:
            received += len(sock.recv(65536))
        elapsed = time.monotonic() - start
    burst = BURST_S * server.byte_rate
    assert burst + 0.5 * server.byte_rate <= received <= burst + (elapsed + 0.5) * \
        server.byte_rate + 1000, (received, elapsed)


def test_an_unknown_path_is_404_and_close_ends_listeners_and_threads() -> None:
    before = set(threading.enumerate())
    server = ChunkedStreamServer(800).start()
    head, _ = fetch(server, "GET /other HTTP/1.0\r\n\r\n", 0)
    assert head.startswith(b"HTTP/1.0 404")
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    with sock:
        sock.sendall(f"GET {server.path} HTTP/1.0\r\n\r\n".encode())
        assert sock.recv(1000)
        server.close()
        while sock.recv(65536):  # the rest of what was sent, then the end
            pass
    assert wait_until(lambda: set(threading.enumerate()) <= before, 5, "the threads to end")
