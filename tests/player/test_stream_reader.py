"""player.stream_reader against the real Icecast bench: what it holds, titles with their
moments, the join burst, failures in one line, and reconnects with the gap noted."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest

from infra.http import HttpClient
from player.frames import FrameSplitter
from player.ring_buffer import MAX_TITLE_BYTES, MAX_TITLES, RingBuffer
from player.stream_reader import WEB_PAGE, StreamReader, can_hold
from tests.support.icecast import IcecastBench, Mount, free_port
from tests.support.wait import wait_until

pytestmark = pytest.mark.icecast
BYTES_PER_S = 64000 / 8  # the bench's mounts: 64 kbps


@pytest.fixture
def http(tmp_path: Path):
    client = HttpClient(tmp_path / "cache")
    yield client
    client.close()


@pytest.fixture
def readers(tmp_path: Path, http: HttpClient):
    made: list[StreamReader] = []

    def make(url: str, **kw) -> StreamReader:
        reader = StreamReader(url, http, tmp_path / "buffers", max_seconds=600,
                              max_bytes=20_000_000, **kw)
        made.append(reader)
        reader.start()
        return reader

    yield make
    for reader in made:
        reader.stop()
        if reader.buffer is not None:
            reader.buffer.close()


def test_can_hold_plain_streams_only() -> None:
    assert can_hold("http://host/kcur") and can_hold("https://host/live.aac?x=1")
    assert not can_hold("https://host/live/playlist.m3u8")
    assert not can_hold("http://host/listen.pls") and not can_hold("http://host/a.M3U")
    assert not can_hold("file:///etc/passwd") and not can_hold("-vvv")


@pytest.mark.parametrize("mount,codec,ctype", [("/a.mp3", "mp3", "audio/mpeg"),
                                               ("/b.aac", "aac", "audio/aac")])
def test_it_holds_the_stream_in_whole_frames_on_the_live_timeline(
        icecast: IcecastBench, readers, mount: str, codec: str, ctype: str) -> None:
    wait_until(lambda: icecast.fed_bytes(mount) > 70_000, 30, "a mount on the air for a while")
    reader = readers(icecast.url(mount))
    assert reader.wait_ready(10), reader.error
    joined_at = time.time()  # the first audio held: the join, give or take the poll
    assert (reader.state, reader.codec, reader.content_type) == ("holding", codec, ctype)
    buffer = reader.buffer
    # the burst: Icecast sends up to its burst-size (64 KiB) of past audio at once; ready
    # comes with its first read, the lag grows as the rest of it arrives (milliseconds)
    wait_until(lambda: reader.joined_lag_s > 5.0, 3, "the whole burst")
    assert reader.joined_lag_s < 65536 / BYTES_PER_S + 1.0
    # the burst is placed before the join by the lag (measured from the join, not from now:
    # the rest of the burst may take a while to arrive on a loaded machine)
    assert buffer.start == pytest.approx(joined_at - reader.joined_lag_s, abs=1.5)
    edge = buffer.end
    assert buffer.wait_until(edge + 2, timeout=10)
    assert abs(buffer.end - time.time()) < 1.5  # the edge is now
    data = buffer.cursor(0).read(10**7, timeout=1)
    splitter = FrameSplitter(codec)
    frames = splitter.feed(data)
    assert splitter.skipped == 0 and len(data) - sum(len(f) for f, _ in frames) < 2000
    assert sum(s for _, s in frames) == pytest.approx(buffer.end - buffer.start, abs=0.2)
    assert buffer.gaps == []


def test_titles_arrive_with_their_moments(icecast: IcecastBench, readers) -> None:
    mount = "/a.aac"
    reader = readers(icecast.url(mount))
    assert reader.wait_ready(10), reader.error
    buffer = reader.buffer
    title = f"Reader test {time.time():.3f} - Caf\u00e9"
    set_at = time.time()
    icecast.set_title(mount, title)
    wait_until(lambda: title in [t for _, t in buffer.titles_between(0, 10**10)], 10,
               "the title in the buffer")
    moment = next(m for m, t in buffer.titles_between(0, 10**10) if t == title)
    # Icecast puts it in the next metadata block (every 16000 bytes: 2 s) of live audio
    assert set_at - 1.0 <= moment <= set_at + 3.0
    assert buffer.title_at(moment) == title
    assert buffer.title_at(moment - 0.1) != title


@pytest.mark.parametrize("where,error", [("missing", "HTTP 404"),
                                         ("refused", "connection refused")])
def test_a_stream_that_cannot_be_reached_fails_in_one_line(
        icecast: IcecastBench, readers, where: str, error: str) -> None:
    url = icecast.url("/nowhere.mp3") if where == "missing" \
        else f"http://127.0.0.1:{free_port()}/a.mp3"
    reader = readers(url)
    assert not reader.wait_ready(15)
    assert reader.state == "failed" and reader.error == error and reader.buffer is None


@pytest.mark.parametrize("ctype", ["text/html; charset=utf-8", "audio/mpeg"])
def test_a_web_page_is_not_held(httpserver, readers, ctype: str) -> None:
    page = "<!DOCTYPE html><html><head><title>Listen</title></head><body>" + "x" * 20000
    httpserver.expect_request("/live").respond_with_data(page, content_type=ctype)
    reader = readers(httpserver.url_for("/live"))
    assert not reader.wait_ready(10)
    assert (reader.state, reader.error) == ("failed", WEB_PAGE)


def test_stop_ends_the_connection_at_once(icecast: IcecastBench, readers) -> None:
    reader = readers(icecast.url("/b.mp3"))
    assert reader.wait_ready(10)
    began = time.monotonic()
    reader.stop()
    assert reader.state == "stopped" and reader.ended
    assert time.monotonic() - began < 3
    end = reader.buffer.end
    assert not reader.buffer.wait_until(end + 1.5, timeout=2.5)  # nothing more comes


def test_reconnect_survives_a_source_restart_with_the_gap_noted(bench: IcecastBench,
                                                                  readers) -> None:
    mount = "/a.mp3"
    keeps = readers(bench.url(mount), reconnect=True)
    gives_up = readers(bench.url(mount))
    assert keeps.wait_ready(10) and gives_up.wait_ready(10)
    bench.stop_source(mount)
    wait_until(lambda: keeps.state == "reconnecting", 10, "reconnecting")
    wait_until(lambda: gives_up.state == "failed", 10, "the other reader failed")
    assert gives_up.error and "\n" not in gives_up.error
    stopped_at = time.time()
    wait_until(lambda: time.time() - stopped_at > 2, 5, "an outage of 2 s")
    bench.start_source(mount)
    wait_until(lambda: keeps.state == "holding", 15, "holding again")
    buffer = keeps.buffer
    assert buffer.wait_until(time.time() + 1, timeout=10)
    assert len(buffer.gaps) == 1
    lost_from, lost_to = buffer.gaps[0]
    assert stopped_at - 2 < lost_from < stopped_at + 1 and lost_to - lost_from > 1.5
    assert keeps.error == "" and keeps.codec == "mp3"


def test_the_holder_shares_one_reader_per_url_and_keeps_the_buffer_across_a_failure(
        bench: IcecastBench, tmp_path: Path, http: HttpClient) -> None:
    from player.holder import StreamHolder

    orphan = tmp_path / "buffers" / "stream-999999999-old"  # an unclean exit's leftovers
    orphan.mkdir(parents=True)
    holder = StreamHolder(http, tmp_path / "buffers", max_seconds=600, max_bytes=10**7)
    assert not orphan.exists()
    mount = "/b.aac"
    try:
        player = holder.acquire(bench.url(mount))
        recording = holder.acquire(bench.url(mount))
        assert recording is player and holder.users(bench.url(mount)) == 2
        assert player.wait_ready(10)
        buffer = player.buffer
        bench.stop_source(mount)
        wait_until(lambda: player.state == "failed", 10, "the reader failed")
        bench.start_source(mount)
        again = holder.acquire(bench.url(mount))  # a new reader, on the same buffer
        assert again is not player and again.buffer is buffer
        assert again.wait_ready(10), again.error
        assert buffer.wait_until(time.time(), timeout=10) and len(buffer.gaps) == 1
        folder = buffer.folder
        holder.release(player)
        holder.release(recording)
        assert folder.exists() and again.state == "holding"  # one user is left
        holder.release(again)
        assert again.state == "stopped" and not folder.exists()
        assert holder.users(bench.url(mount)) == 0
    finally:
        holder.close()


class FloodBench(IcecastBench):
    """A 320 kbps mount with a metadata block every 1 KiB (Icecast's mp3-metadata-interval):
    about 40 blocks a second, so a flood of titles through the admin endpoint reaches the
    reader as fast as a hostile station could send them."""

    MOUNT = "/flood.mp3"

    def __init__(self) -> None:
        super().__init__((Mount(self.MOUNT, 440, "mp3", quality=("-b:a", "320k")),))
        self.config.write_text(self.config.read_text().replace("</icecast>", (
            f"<mount type='normal'><mount-name>{self.MOUNT}</mount-name>"
            "<mp3-metadata-interval>1024</mp3-metadata-interval></mount></icecast>")))


def _try_title(bench: IcecastBench, title: str) -> bool:
    try:
        bench.set_title(FloodBench.MOUNT, title)
    except OSError:
        return False
    return True


def held_titles(buffer: RingBuffer) -> list[str]:
    return [title for _t, title in buffer.titles_between(-math.inf, math.inf)]


def test_a_flood_of_titles_is_held_once_each_and_capped(tmp_path: Path, http) -> None:
    buffer = RingBuffer(tmp_path / "flood", "mp3", max_seconds=600, max_bytes=50_000_000,
                        max_titles=100)
    with FloodBench() as bench:
        reader = StreamReader(bench.url(FloodBench.MOUNT), http, tmp_path, max_seconds=600,
                              max_bytes=50_000_000, buffer=buffer)
        reader.start()
        try:
            assert reader.wait_ready(10), reader.error
            for _ in range(8):  # Icecast sends the title again with every update
                bench.set_title(FloodBench.MOUNT, "Same Song")
            wait_until(lambda: "Same Song" in held_titles(buffer), 10, "the title held")
            edge = buffer.end
            assert buffer.wait_until(edge + 1.5, 10)  # ~60 more metadata blocks
            assert held_titles(buffer).count("Same Song") == 1, held_titles(buffer)
            sent, deadline = 0, time.monotonic() + 8
            while time.monotonic() < deadline:  # ~1500 titles, each 400 bytes of UTF-8
                try:
                    bench.set_title(FloodBench.MOUNT, f"Flood {sent} " + "\u00e9" * 190)
                except OSError:  # Icecast's admin answer late on a loaded machine: not counted
                    continue
                sent += 1
            wait_until(lambda: _try_title(bench, "Last Song"), 20, "the last title set")
            wait_until(lambda: held_titles(buffer)[-1:] == ["Last Song"], 10, "the last title")
        finally:
            reader.stop()
            buffer.close()
    titles = held_titles(buffer)
    assert sent > 300 and len(titles) == 100, (sent, len(titles))
    assert all(len(t.encode()) <= MAX_TITLE_BYTES for t in titles)
    assert all(a != b for a, b in zip(titles, titles[1:], strict=False))


def test_titles_are_capped_in_count_and_bytes_oldest_dropped(tmp_path: Path) -> None:
    buffer = RingBuffer(tmp_path / "b", "mp3", max_seconds=600, max_bytes=10_000_000)
    try:
        for i in range(MAX_TITLES + 500):
            buffer.append(b"\xff" * 100, 0.01, arrived=1e9 + i * 0.01,
                          titles=[(0, f"T{i}"), (50, f"T{i}"), (60, "\u20ac" * 200)])
        titles = held_titles(buffer)
        assert len(titles) == MAX_TITLES and titles[-1] == "\u20ac" * 85  # 255 bytes
        assert titles[:2] == [f"T{500 + MAX_TITLES // 2}", "\u20ac" * 85]  # oldest dropped
    finally:
        buffer.close()
