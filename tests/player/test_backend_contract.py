"""One behaviour suite for every Backend: the in-memory fake and libvlc against Icecast."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from player.backend import Backend, BackendEvent
from player.fake_backend import FakeBackend
from tests.support.icecast import free_port
from tests.support.wait import wait_until


@dataclass
class Harness:
    backend: Backend
    url: str
    dead_url: str
    set_title: Callable[[str], None]
    drop: Callable[[], None]
    events: list[BackendEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def listen(self) -> None:
        def on_event(ev: BackendEvent) -> None:
            with self.lock:
                self.events.append(ev)

        self.backend.set_listener(on_event)

    def kinds(self, session: int) -> list[str]:
        with self.lock:
            return [e.kind for e in self.events if e.session == session]


def wait(cond: Callable[[], object], timeout: float, what: str) -> None:
    wait_until(cond, timeout, what, interval=0.02)


@pytest.fixture(params=["fake", pytest.param("vlc", marks=pytest.mark.icecast)])
def harness(request, tmp_path) -> Iterator[Harness]:
    if request.param == "fake":
        fake = FakeBackend()
        fake.unreachable.add("http://127.0.0.1:9/dead.mp3")
        h = Harness(fake, "http://fake.example/a.mp3", "http://127.0.0.1:9/dead.mp3",
                    fake.set_title, fake.drop)
    else:
        from player.vlc_backend import make_backend

        bench = request.getfixturevalue("live_icecast")
        h = Harness(make_backend(str(tmp_path / "out.wav")), bench.url("/a.mp3"),
                    f"http://127.0.0.1:{free_port()}/dead.mp3",
                    lambda t: bench.set_title("/a.mp3", t), bench.stop)
    h.listen()
    try:
        yield h
    finally:
        h.backend.shutdown()


def start(h: Harness, url: str | None = None) -> int:
    session = h.backend.open(url or h.url, live=True)
    h.backend.play()
    return session


def test_playing_is_reported_and_audio_progress_grows(harness: Harness) -> None:
    s = start(harness)
    wait(lambda: "playing" in harness.kinds(s), 5, "playing")
    first = harness.backend.audio_progress()
    wait(lambda: harness.backend.audio_progress() > first, 5, "audio progress")
    assert harness.backend.position_s() == 0.0 or not harness.backend.seekable()


def test_title_set_on_the_server_is_readable(harness: Harness) -> None:
    s = start(harness)
    wait(lambda: "playing" in harness.kinds(s), 5, "playing")
    harness.set_title("Contract - Title")
    wait(lambda: harness.backend.now_playing() == "Contract - Title", 8, "title")


def test_unreachable_url_reports_an_error(harness: Harness) -> None:
    s = start(harness, harness.dead_url)
    wait(lambda: {"error", "ended"} & set(harness.kinds(s)), 5, "error")
    assert "playing" not in harness.kinds(s)


def test_server_drop_ends_the_stream(harness: Harness) -> None:
    s = start(harness)
    wait(lambda: "playing" in harness.kinds(s), 5, "playing")
    harness.drop()
    wait(lambda: {"error", "ended"} & set(harness.kinds(s)), 10, "end of stream")


def test_each_open_is_a_new_session_and_stop_halts_audio(harness: Harness) -> None:
    s1 = start(harness)
    s2 = start(harness)
    assert s2 > s1
    wait(lambda: "playing" in harness.kinds(s2), 5, "playing")
    harness.backend.stop()
    wait(lambda: "stopped" in harness.kinds(s2), 5, "stopped")
    stopped_at = harness.backend.audio_progress()
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:  # audio must stay halted for this whole window
        assert harness.backend.audio_progress() <= stopped_at
        time.sleep(0.05)


def test_volume_and_mute_are_accepted_before_and_while_playing(harness: Harness) -> None:
    harness.backend.set_volume(40)
    harness.backend.set_muted(True)
    s = start(harness)
    wait(lambda: "playing" in harness.kinds(s), 5, "playing")
    harness.backend.set_volume(150)
    harness.backend.set_muted(False)
    first = harness.backend.audio_progress()
    wait(lambda: harness.backend.audio_progress() > first, 5, "audio progress")
