"""player.ring_buffer: the held stream on disk, its timeline, caps, cursors and titles."""

from __future__ import annotations

import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from player.frames import FrameSplitter
from player.ring_buffer import RingBuffer
from tests.support.wait import wait_until

D = 1024 / 44100  # one ADTS frame at 44.1 kHz


def frame(i: int, payload: int = 100) -> bytes:
    """ADTS frame number `i` (its number in the first payload bytes)."""
    length = 7 + payload
    head = bytes([0xFF, 0xF1, 1 << 6 | 4 << 2, 2 << 6 | length >> 11, (length >> 3) & 0xFF,
                  (length & 7) << 5 | 0x1F, 0xFC])
    return head + i.to_bytes(4, "big") + bytes(payload - 4)


def numbers(data: bytes) -> list[int]:
    """The frame numbers in `data`, which must be whole frames and nothing else."""
    splitter = FrameSplitter("aac")
    got = splitter.feed(data + frame(0))[:-1]  # a last header confirms the last frame
    assert splitter.skipped == 0 and sum(len(f) for f, _ in got) == len(data)
    return [int.from_bytes(f[7:11], "big") for f, _ in got]


class Feed:
    """Appends numbered frames in batches, each arriving when the test says."""

    def __init__(self, buffer: RingBuffer, payload: int = 100) -> None:
        self.buffer, self.next, self.payload = buffer, 0, payload

    def batch(self, seconds: float, arrived: float, titles=()) -> list[int]:
        n = max(1, round(seconds / D))
        ids = list(range(self.next, self.next + n))
        self.next += n
        frames = [frame(i, self.payload) for i in ids]
        self.buffer.append(b"".join(frames), n * D, arrived=arrived, titles=titles,
                           sizes=[len(f) for f in frames])
        return ids

    def live(self, seconds: float, start: float, batch_s: float = 0.5) -> float:
        """`seconds` of audio arriving in real time from `start`; the last arrival."""
        t = start
        for _ in range(round(seconds / batch_s)):
            t += round(batch_s / D) * D
            self.batch(batch_s, t)
        return t


@pytest.fixture
def ring(tmp_path: Path):
    buffer = RingBuffer(tmp_path / "ring", "aac", max_seconds=600, max_bytes=50_000_000)
    yield buffer
    buffer.close()


def test_the_burst_ends_at_its_arrival_and_live_audio_follows(ring: RingBuffer) -> None:
    feed = Feed(ring)
    feed.batch(4.0, arrived=1000.0)  # the first read of Icecast's burst
    assert ring.end == pytest.approx(1000.0) and ring.start == pytest.approx(1000.0 - 172 * D)
    feed.batch(4.0, arrived=1000.05)  # the rest of it, a moment later: the run moves back
    assert ring.end == pytest.approx(1000.05)
    assert ring.start == pytest.approx(1000.05 - 344 * D)
    assert ring.run_start == ring.start
    edge = ring.end
    feed.batch(0.5, arrived=edge + 22 * D + 0.2)  # live audio, a little late: no shift, no gap
    assert ring.end == pytest.approx(edge + 22 * D) and ring.gaps == []


def test_a_run_far_behind_its_arrivals_or_a_reconnect_is_a_gap(ring: RingBuffer) -> None:
    feed = Feed(ring)
    end = feed.live(5, 1000.0)
    feed.batch(1.0, arrived=end + 10.0)  # the server lost ~9 s
    assert len(ring.gaps) == 1
    lost = ring.gaps[0]
    assert lost[0] == pytest.approx(end) and lost[1] == pytest.approx(end + 10 - 43 * D)
    ring.mark_gap()
    edge = ring.end
    feed.batch(2.0, arrived=edge + 0.5)  # a reconnect's burst: never before what is held
    assert len(ring.gaps) == 1 and ring.end == pytest.approx(edge + 86 * D)
    ring.mark_gap()
    edge = ring.end
    feed.batch(1.0, arrived=edge + 5)  # a reconnect after an outage
    assert ring.gaps[-1] == (pytest.approx(edge), pytest.approx(edge + 5 - 43 * D))
    assert ring.cursor(edge + 1).position == pytest.approx(edge + 5 - 43 * D)


def test_it_keeps_the_last_max_seconds(tmp_path: Path) -> None:
    ring = RingBuffer(tmp_path / "r", "aac", max_seconds=10, max_bytes=10**9)
    feed = Feed(ring)
    end = feed.live(40, 1000.0)
    held = ring.end - ring.start
    assert 10 <= held <= 10 + 1.25 + 0.5  # one segment (10/8 s) and one batch at most over
    assert ring.end == pytest.approx(end)
    ring.close()


def test_disk_use_stays_under_max_bytes(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    ring = RingBuffer(folder, "aac", max_seconds=3600, max_bytes=80_000)
    feed, t = Feed(ring, payload=300), 1000.0
    for _ in range(150):
        t += 22 * D
        feed.batch(0.5, t)
        on_disk = sum(p.stat().st_size for p in folder.iterdir())
        assert on_disk == ring.bytes_on_disk <= 80_000
    # it does hold most of the cap: one segment (16 KiB at least) and one batch less at most
    assert ring.bytes_on_disk > 80_000 - 16384 - 22 * 307
    assert numbers(ring.cursor(0).read(10**9, 1))[-1] < feed.next  # the oldest are gone
    ring.close()
    assert not folder.exists()


def test_a_cursor_reads_whole_frames_from_a_moment(ring: RingBuffer) -> None:
    feed = Feed(ring)
    feed.live(10, 1000.0)
    start = ring.start
    t = start + 3.3
    cursor = ring.cursor(t)
    first = int(-(-3.3 // D))  # the first frame at or after t
    assert cursor.position == pytest.approx(start + first * D, abs=1e-4)
    got = numbers(cursor.read(1000, timeout=1))
    assert got[0] == first and got == list(range(first, first + len(got)))
    assert 1000 - 107 < len(got) * 107 <= 1000  # as much as fits, whole frames only
    rest = numbers(cursor.read(10**9, timeout=1))
    assert rest[0] == got[-1] + 1 and rest[-1] == feed.next - 1
    assert cursor.read(10**6, timeout=0.05) == b""  # at the edge: nothing new
    assert ring.cursor(0).position == start and ring.cursor(10**10).position == ring.end


def test_a_cursor_containing_a_moment_starts_at_the_entry_playing_then(
        ring: RingBuffer) -> None:
    """A join at the live moment (relay.live_moment, a few ms off the burst's start by when
    its reads arrived) starts at the entry playing then, never after entries timed 0 s (an
    Ogg chain's first audio page) or most of a long one (Ogg pages of 0.5 s)."""
    frames = [frame(i) for i in range(4)]
    ring.append(b"".join(frames), 1.5, arrived=1000.0, sizes=[len(f) for f in frames],
                seconds=[0.0, 0.5, 0.5, 0.5])
    start = ring.start
    assert numbers(ring.cursor(start + 0.001).read(10**6, 1))[0] == 2  # at or after
    assert numbers(ring.cursor(start + 0.001, containing=True).read(10**6, 1)) == [0, 1, 2, 3]
    assert numbers(ring.cursor(start + 0.6, containing=True).read(10**6, 1))[0] == 2
    assert ring.cursor(ring.end + 1, containing=True).position == ring.end


def test_a_lagging_cursor_jumps_to_the_oldest_moment_when_its_data_is_dropped(
        tmp_path: Path) -> None:
    ring = RingBuffer(tmp_path / "r", "aac", max_seconds=8, max_bytes=10**9)
    feed = Feed(ring)
    end = feed.live(2, 1000.0)
    lagging = ring.cursor(0)
    assert numbers(lagging.read(107, 1)) == [0]
    feed.live(20, end)
    assert lagging.position == ring.start
    got = numbers(lagging.read(10**9, 1))
    assert got[0] > 1 and ring.cursor(0).position == pytest.approx(ring.start)
    ring.close()


def test_titles_keep_their_moments(ring: RingBuffer) -> None:
    feed = Feed(ring)
    feed.batch(4.0, arrived=1000.0, titles=[(0, "Morning Edition"), (107 * 86, "News")])
    at_news = ring.start + 86 * D
    assert ring.title_at(at_news - 0.01) == "Morning Edition"
    assert ring.title_at(at_news) == "News"
    feed.batch(2.0, arrived=1000.01)  # the burst goes on: the run and its titles move back
    moved = ring.start + 86 * D
    assert moved < at_news and ring.title_at(moved) == "News"
    assert ring.titles_between(ring.start, ring.end) == [
        (pytest.approx(ring.start), "Morning Edition"), (pytest.approx(moved), "News")]
    assert ring.title_at(ring.start - 1) == ""


def test_titles_before_the_oldest_moment_keep_the_one_heard_there(tmp_path: Path) -> None:
    ring = RingBuffer(tmp_path / "r", "aac", max_seconds=5, max_bytes=10**9)
    feed = Feed(ring)
    feed.batch(0.5, 1000.0, titles=[(0, "A")])
    feed.batch(0.5, 1000.5, titles=[(0, "B")])
    feed.live(20, 1000.5 + 22 * D)
    assert ring.title_at(ring.start) == "B"
    assert ring.titles_between(0, 10**10)[-1][1] == "B" and len(ring.titles_between(0, 10**10)) == 1
    ring.close()


def test_close_stops_waiting_cursors_and_deletes_the_files(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    ring = RingBuffer(folder, "aac", max_seconds=60, max_bytes=10**7)
    Feed(ring).live(2, 1000.0)
    cursor = ring.cursor(ring.end)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(cursor.read(1000, timeout=30)))
    reader.start()
    time.sleep(0.05)  # let it block in read (the assertion below waits on its own)
    ring.close()
    reader.join(5)
    assert not reader.is_alive() and got == [b""] and cursor.closed
    assert not folder.exists()


def test_wait_until_the_edge_reaches_a_moment(ring: RingBuffer) -> None:
    feed = Feed(ring)
    end = feed.live(1, 1000.0)
    assert ring.wait_until(end, timeout=0.01)
    assert not ring.wait_until(end + 1, timeout=0.05)
    later = threading.Timer(0.1, lambda: feed.live(2, end))
    later.start()
    assert ring.wait_until(end + 1, timeout=10)
    later.join()


def test_one_writer_many_cursors_each_read_every_frame_once(ring: RingBuffer) -> None:
    feed = Feed(ring)
    t0 = time.time()
    feed.live(1, t0 - 1)
    results: list[list[int]] = [[] for _ in range(3)]
    done = threading.Event()

    def read(out: list[int]) -> None:
        cursor = ring.cursor(0)
        while not (done.is_set() and cursor.position >= ring.end):
            data = cursor.read(3000, timeout=0.1)
            if data:
                out += numbers(data)

    threads = [threading.Thread(target=read, args=(r,)) for r in results]
    for th in threads:
        th.start()
    feed.live(30, t0, batch_s=0.1)
    done.set()
    for th in threads:
        th.join(10)
    assert all(r == list(range(feed.next)) for r in results)


def test_the_index_of_two_hours_of_aac_is_compact(tmp_path: Path) -> None:
    ring = RingBuffer(tmp_path / "r", "aac", max_seconds=7200, max_bytes=10**9)
    feed = Feed(ring, payload=4)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    feed.live(7200, 1000.0, batch_s=1.0)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert feed.next > 150_000
    assert used < 3_000_000, f"{used} bytes for {feed.next} frames"
    wait_until(lambda: ring.end - ring.start > 7100, 1, "two hours held")
    ring.close()
