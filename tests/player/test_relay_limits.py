"""What any local process can make the loopback relay spend (player/relay_gate.py).

Against the real parts: a station playing through the relay from the real Icecast bench
(catch-up on: the controller with StreamHolder and Relay), libvlc writing a WAV whose tone
tells the station, while 500 idle sockets are opened to the relay; raw sockets for wrong
tokens, partial heads, too many answers and a client that stops reading.
"""

from __future__ import annotations

import random
import selectors
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.http import HttpClient
from player.catchup import CatchUp
from player.controller import PlayerController
from player.holder import StreamHolder
from player.recovery import RetryPolicy
from player.relay import Relay
from player.relay_gate import HEAD_TIMEOUT_S, MAX_PENDING, Limits, request_token
from player.stream_reader import StreamReader
from player.vlc_backend import make_backend
from tests.player.conftest import pump, station
from tests.support.audio import analyse, duration_s
from tests.support.icecast import IcecastBench
from tests.support.tasks import task_runner
from tests.support.wait import wait_until

IDLE = 500
QUICK = RetryPolicy(max_tries=3, base_s=0.3, cap_s=1.0, rng=random.Random(7))


# -- the pure part ---------------------------------------------------------------------------
@pytest.mark.parametrize(("head", "token"), [
    (b"GET /abc HTTP/1.0\r\nHost: x\r\n\r\n", "abc"),
    (b"GET /abc?at=12.5 HTTP/1.1\r\n\r\n", "abc"),
    (b"GET / HTTP/1.0\r\n\r\n", None),
    (b"POST /abc HTTP/1.0\r\n\r\n", None),
    (b"GET /abc\r\n\r\n", None),
    (b"GET /\xff\xfe HTTP/1.0\r\n\r\n", None),
    (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", None),  # a TLS hello
    (b"", None),
])
def test_the_token_is_read_from_the_request_line_only(head: bytes, token: str | None) -> None:
    assert request_token(head) == token


# -- helpers ---------------------------------------------------------------------------------
def open_idle(port: int, n: int) -> list[socket.socket]:
    """`n` connections to the relay that never send a byte."""
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(n)]


def wait_all_closed(socks: list[socket.socket], timeout: float) -> float:
    """Until the relay has closed every socket (EOF or reset): the seconds it took."""
    began = time.monotonic()
    with selectors.DefaultSelector() as sel:
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        left = len(socks)
        while left:
            remaining = began + timeout - time.monotonic()
            assert remaining > 0, f"{left} of {len(socks)} idle sockets still open"
            for key, _ in sel.select(remaining):
                try:
                    data = key.fileobj.recv(64)  # type: ignore[union-attr]
                except ConnectionResetError:
                    data = b""
                except BlockingIOError:
                    continue
                assert data == b"", f"the relay sent {data!r} to an idle socket"
                sel.unregister(key.fileobj)
                left -= 1
    return time.monotonic() - began


def drain_until_quiet(sock: socket.socket, quiet_s: float, timeout: float = 20) -> None:
    """Read until nothing has come for `quiet_s` seconds."""
    sock.settimeout(quiet_s)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if not sock.recv(65536):
                return
        except TimeoutError:
            return
    raise AssertionError(f"data still flowing after {timeout} s")


def close_all(socks: list[socket.socket]) -> None:
    for s in socks:
        s.close()


def status_of(port: int, head: bytes, timeout: float = 5) -> int:
    """The status code the relay answers `head` with (0: closed without an answer)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head)
        line = s.makefile("rb").readline()
    return int(line.split()[1]) if line.startswith(b"HTTP/") else 0


def stream_threads() -> int:
    return sum(t.name == "onair-relay-stream" for t in threading.enumerate())


def heard_hz(wav: Path) -> float:
    end = duration_s(wav)
    if end < 0.6:
        return 0.0
    freq, rms = analyse(wav, end - 0.5, end)
    return freq if rms > 0.05 else 0.0


def hears(wav: Path, hz: int) -> bool:
    return abs(heard_hz(wav) - hz) < 0.1 * hz


# -- the station playing while idle sockets hold the relay -----------------------------------
@pytest.fixture
def playing(tmp_path: Path, wav: Path) -> Iterator[tuple[PlayerController, Relay]]:
    http = HttpClient(tmp_path / "http")
    holder = StreamHolder(http, tmp_path / "catchup", max_seconds=600, max_bytes=50 << 20)
    relay = Relay()
    relay.start()
    ctl = PlayerController(make_backend(str(wav)), policy=QUICK, tasks=task_runner(),
                           catchup=CatchUp(holder, relay))
    yield ctl, relay
    ctl.shutdown()
    relay.close()
    holder.close()
    http.close()


@pytest.mark.icecast
@pytest.mark.timeout(180)
def test_500_idle_sockets_neither_stop_the_station_nor_a_resume_or_a_switch(
        playing, icecast: IcecastBench, wav: Path) -> None:
    ctl, relay = playing
    ctl.play(station("a", "Station A", icecast.url("/a.mp3")))
    pump(lambda: ctl.state == "playing" and hears(wav, 440), 20, "station A's tone")
    assert ctl.catchup, "not playing through the relay"

    idle = open_idle(relay.port, IDLE)  # the tone goes on
    played = duration_s(wav)
    pump(lambda: duration_s(wav) >= played + 3, 10, "3 s more of station A")
    assert hears(wav, 440)
    took = wait_all_closed(idle, HEAD_TIMEOUT_S + 5)
    assert took <= HEAD_TIMEOUT_S + 5
    close_all(idle)

    ctl.pause()
    wait_until(lambda: relay.streams == 0, 10, "the paused answer ended")
    idle = open_idle(relay.port, IDLE)
    ctl.resume()  # through the relay, from where it paused
    played = duration_s(wav)
    pump(lambda: ctl.state == "playing" and duration_s(wav) >= played + 1.5
         and hears(wav, 440), 15, "station A again after the resume")
    assert ctl.catchup and ctl.behind_live_s > 0
    wait_all_closed(idle, HEAD_TIMEOUT_S + 5)
    close_all(idle)

    idle = open_idle(relay.port, IDLE)
    ctl.play(station("b", "Station B", icecast.url("/b.mp3")))  # a switch, through the relay
    pump(lambda: ctl.state == "playing" and hears(wav, 1000), 20, "station B's tone")
    assert ctl.catchup
    wait_all_closed(idle, HEAD_TIMEOUT_S + 5)
    close_all(idle)
    assert relay.streams <= 2  # B's answer (and A's, if libvlc has not closed it yet)


# -- raw sockets against a held stream -------------------------------------------------------
@pytest.fixture
def held(tmp_path: Path, icecast: IcecastBench) -> Iterator[StreamReader]:
    http = HttpClient(tmp_path / "http")
    reader = StreamReader(icecast.url("/a.mp3"), http, tmp_path / "buffers", max_seconds=600,
                          max_bytes=20_000_000)
    reader.start()
    assert reader.wait_ready(10), reader.error
    yield reader
    reader.stop()
    if reader.buffer is not None:
        reader.buffer.close()
    http.close()


def make_relay(limits: Limits | None = None):
    relay = Relay(limits)
    relay.start()
    return relay


@pytest.mark.icecast
def test_a_wrong_token_is_answered_404_and_starts_no_work(held: StreamReader) -> None:
    relay = make_relay()
    try:
        forgotten = relay.url_for(held).rsplit("/", 1)[1]
        relay.forget(held)  # its URLs answer 404 from now on
        token = relay.url_for(held).rsplit("/", 1)[1]
        threads = threading.active_count()
        wrong = [f"GET /{token[:-1]}{'A' if token[-1] != 'A' else 'B'} HTTP/1.0\r\n\r\n",
                 f"GET /{forgotten} HTTP/1.0\r\n\r\n",
                 f"POST /{token} HTTP/1.0\r\n\r\n", "GET / HTTP/1.0\r\n\r\n",
                 "GET /../../etc/passwd HTTP/1.0\r\n\r\n", "\x16\x03\x01garbage\r\n\r\n"]
        for _ in range(20):
            for head in wrong:
                assert status_of(relay.port, head.encode("latin-1")) == 404, head
                assert stream_threads() == 0 and relay.streams == 0
        assert threading.active_count() <= threads
        assert status_of(relay.port, f"GET /{token} HTTP/1.0\r\n\r\n".encode()) == 200
    finally:
        relay.close()
    assert stream_threads() == 0


@pytest.mark.icecast
def test_a_silent_or_partial_head_is_closed_after_the_head_timeout(held: StreamReader) -> None:
    relay = make_relay(Limits(head_timeout_s=1.0))
    try:
        url = relay.url_for(held)
        partial = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
        partial.sendall(f"GET /{url.rsplit('/', 1)[1]} HTTP/1.0\r\nHost: x".encode())
        silent = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
        took = wait_all_closed([partial, silent], 5)
        assert 0.8 <= took <= 3, took
        close_all([partial, silent])
        assert relay.streams == 0
    finally:
        relay.close()


@pytest.mark.icecast
def test_past_the_waiting_cap_the_oldest_idle_socket_is_closed_first(held: StreamReader) -> None:
    relay = make_relay()
    try:
        idle = open_idle(relay.port, MAX_PENDING + 10)
        wait_all_closed(idle[:10], 3)  # the ten opened first: closed at once, not after 5 s
        close_all(idle)
    finally:
        relay.close()


@pytest.mark.icecast
def test_answers_past_the_cap_get_503_and_a_slot_frees_when_one_ends(held: StreamReader) -> None:
    relay = make_relay(Limits(max_streams=2))
    token = relay.url_for(held).rsplit("/", 1)[1]
    head = f"GET /{token} HTTP/1.0\r\n\r\n".encode()
    listeners = []
    try:
        for _ in range(2):
            s = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
            s.sendall(head)
            assert s.recv(12) == b"HTTP/1.0 200"
            listeners.append(s)
        wait_until(lambda: relay.streams == 2, 5, "two answers running")
        assert status_of(relay.port, head) == 503
        listeners.pop().close()  # one listener goes: its answer ends at its next write
        wait_until(lambda: relay.streams == 1, 10, "the closed one's answer ended")
        assert status_of(relay.port, head) == 200
    finally:
        close_all(listeners)
        relay.close()
    assert stream_threads() == 0


@pytest.mark.icecast
def test_a_client_that_stops_reading_is_dropped_after_the_send_timeout(
        held: StreamReader) -> None:
    wait_until(lambda: held.buffer.end - held.buffer.start >= 8, 20, "8 s held")
    relay = make_relay(Limits(send_timeout_s=1.5, send_buffer=8192))
    url = relay.url_for(held, at=held.buffer.start)
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills at once
    try:
        stalled.connect(("127.0.0.1", relay.port))
        stalled.sendall(f"GET /{url.rsplit('/', 1)[1]} HTTP/1.0\r\n\r\n".encode())
        wait_until(lambda: relay.streams == 1, 5, "the answer running")
        began = time.monotonic()
        wait_until(lambda: relay.streams == 0, 15, "the stalled client dropped")
        assert time.monotonic() - began >= 1.0
    finally:
        stalled.close()
        relay.close()
    assert stream_threads() == 0


@pytest.mark.icecast
def test_an_answer_ends_when_its_client_goes_while_no_audio_comes(
        held: StreamReader, live_icecast: IcecastBench) -> None:
    relay = make_relay()
    token = relay.url_for(held).rsplit("/", 1)[1]
    try:
        live_icecast.freeze()  # an outage: the held stream gets no new byte
        client = socket.create_connection(("127.0.0.1", relay.port), timeout=5)
        client.sendall(f"GET /{token} HTTP/1.0\r\n\r\n".encode())
        assert client.recv(12) == b"HTTP/1.0 200"
        wait_until(lambda: relay.streams == 1, 5, "the answer running")
        drain_until_quiet(client, 1.5)  # all the answer had is read: it waits for more
        client.close()  # libvlc lets go (a stop, a switch) while nothing is sent
        began = time.monotonic()
        wait_until(lambda: relay.streams == 0, 5, "the answer ended")
        assert time.monotonic() - began < 3
        assert not held.ended, "the reader ended: the answer may have ended for that"
    finally:
        live_icecast.thaw()
        relay.close()
