"""The live stream reader: one thread that holds a station's stream in a RingBuffer.

It opens the stream with the one HTTP client (`HttpClient.stream`: `Icy-MetaData: 1`),
takes the ICY metadata out (player.icy), cuts the audio into whole frames (player.frames:
MP3 and AAC frames, Ogg pages) and appends each read's frames with their arrival time, so
the buffer can give every frame the moment it was live (see player/ring_buffer.py). The
audio path costs a few slices per read (reads of what arrived, up to 64 KiB) and one header
check per frame (an Ogg page: its CRC). An Ogg chain's header pages go into the buffer
with the audio that follows them, and the title in its comments (Icecast retitles an Ogg
mount by starting a new chain) is held like an ICY title.

The codec is told from the first bytes (player.frames.classify). A stream that answers
with audio the reader cannot hold (another codec or container: a WAV, Ogg Speex) ends the
reader at once with `holdable` False and no retry, so the player plays it directly without
waiting for the relay to fail (player.catchup.CatchUp.cannot_hold).

With reconnect=True (recordings) a drop is retried by player.recovery's policy for as
long as it takes once audio was held (a first connection gives up after its tries), and
the buffer notes the gap; with reconnect=False the reader ends "failed" and the player's
own recovery decides.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Literal

from infra.errors import SourceUnavailable
from infra.http import HttpClient
from infra.http_types import LiveStream
from infra.urls import one_line, url_problem
from player.frames import FrameSplitter, classify, codec_for
from player.icy import IcyDemuxer
from player.ogg import Unit
from player.playlists import is_web_page
from player.recovery import LIVE_POLICY, Recovery
from player.ring_buffer import RingBuffer

State = Literal["connecting", "holding", "reconnecting", "failed", "stopped"]
SNIFF_BYTES = 16384  # audio looked at to tell the codec when the Content-Type does not
READ_TIMEOUT_S = 10.0
LAG_SETTLE_S = 3.0  # the burst is measured over the first seconds of a connection
WEB_PAGE = "no playable stream: the server sent a web page"
_PLAYLIST_EXTENSIONS = (".m3u8", ".m3u", ".pls", ".asx", ".xspf")
_log = logging.getLogger(__name__)


def can_hold(url: str) -> bool:
    """http(s), not HLS (.m3u8) and not a playlist: a stream of frames the reader can hold."""
    if url_problem(url) is not None:
        return False
    path = url.split("?", 1)[0].split("#", 1)[0].lower()
    return not path.endswith(_PLAYLIST_EXTENSIONS)


class _Failed(Exception):
    """A connection failed for the reason in its message (one line)."""


class StreamReader:
    def __init__(self, url: str, http: HttpClient, buffer_dir: Path, *, max_seconds: float,
                 max_bytes: int, reconnect: bool = False,
                 buffer: RingBuffer | None = None) -> None:
        """`buffer` (an extension, for StreamHolder): go on filling an existing buffer."""
        self.url = url
        self.http = http
        self.buffer_dir = Path(buffer_dir)
        self.max_seconds, self.max_bytes = max_seconds, max_bytes
        self.reconnect = reconnect
        self.state: State = "connecting"
        self.error = ""
        self.codec: str | None = buffer.codec if buffer is not None else None
        self.content_type = ""
        self.joined_lag_s = 0.0
        self.holdable = True  # False: the stream is audio the reader cannot hold
        self._headers = b""  # an Ogg chain's header pages, written with its first audio
        self._chain_title = ""
        self._buffer = buffer
        self._ready = threading.Event()
        self._ended = threading.Event()  # failed or stopped
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._stream: LiveStream | None = None
        self._thread = threading.Thread(target=self._run, name="onair-reader", daemon=True)

    @property
    def buffer(self) -> RingBuffer | None:
        """The buffer, once the codec is known (None before the first connection answered)."""
        return self._buffer

    # -- control ---------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ends the reader: the connection is closed; the buffer stays until closed."""
        self._stopping.set()
        with self._lock:
            stream = self._stream
        if stream is not None:
            stream.close()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(5)
        if self.state != "failed":
            self.state = "stopped"
        self._ended.set()

    def wait_ready(self, timeout: float) -> bool:
        """True once audio is held; False on failure or timeout."""
        deadline = time.monotonic() + timeout
        while not (self._ready.is_set() or self._ended.is_set()):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._ready.wait(min(0.05, left))
        return self._ready.is_set() and self.state != "failed"

    @property
    def ended(self) -> bool:
        """Failed or stopped: no more audio will come."""
        return self._ended.is_set()

    # -- the thread ------------------------------------------------------------------------
    def _run(self) -> None:
        recovery = Recovery(LIVE_POLICY)
        try:
            while not self._stopping.is_set():
                try:
                    self._hold_once(recovery)
                except _Failed as failure:
                    why = str(failure)
                else:
                    why = "the server closed the stream"
                if self._stopping.is_set():
                    break
                recovery.failed(why)
                delay = recovery.delay(time.monotonic()) \
                    if self.reconnect and self.holdable else None
                if delay is None:
                    self.error, self.state = why, "failed"
                    break
                self.error, self.state = why, "reconnecting"
                if self._buffer is not None:
                    self._buffer.mark_gap()
                self._stopping.wait(delay)
        except Exception as exc:  # noqa: BLE001 - a bug must end the reader visibly, not hang it
            _log.exception("stream reader failed")
            self.error, self.state = f"reader error ({exc.__class__.__name__})", "failed"
        finally:
            if self._stopping.is_set() and self.state != "failed":
                self.state = "stopped"
            self._ended.set()

    def _hold_once(self, recovery: Recovery) -> None:
        """One connection: open, check, hold until it ends (_Failed says why it broke)."""
        try:
            stream = self.http.stream(self.url, read_timeout=READ_TIMEOUT_S)
        except SourceUnavailable as err:
            raise _Failed(str(err).removeprefix("Stream: ").rsplit(" (", 1)[0]) from None
        with self._lock:
            self._stream = stream
        if self._stopping.is_set():
            stream.close()
        try:
            self._hold(stream, recovery)
        except ConnectionError as err:
            raise _Failed(str(err)) from None
        finally:
            with self._lock:
                self._stream = None
            stream.close()

    def _hold(self, stream: LiveStream, recovery: Recovery) -> None:
        if stream.status != 200:
            raise _Failed(f"HTTP {stream.status}")
        content_type = stream.headers.get("content-type", "")
        try:
            metaint = int(stream.headers.get("icy-metaint", "0") or 0)
        except ValueError:
            metaint = 0
        icy = IcyDemuxer(metaint if metaint > 0 else None)
        chunks = stream.chunks()
        head, titles = self._sniff(chunks, icy, content_type)
        codec = codec_for(content_type, head)
        if codec is None and classify(content_type, head) is None and len(head) < SNIFF_BYTES:
            raise _Failed("the stream ended before its codec was known")
        if codec is None:
            self.holdable = is_web_page(content_type, head)  # a web page is an error
            raise _Failed(self._not_audio(content_type, head))
        if self.codec is not None and codec != self.codec:
            raise _Failed(f"the stream changed from {self.codec} to {codec}")
        self.codec, self.content_type = codec, one_line(content_type, 80)
        if self._buffer is None:
            self._buffer = RingBuffer(self._folder(), codec, max_seconds=self.max_seconds,
                                      max_bytes=self.max_bytes)
        splitter = FrameSplitter(codec, headless=False)
        joined: list[float] = []  # when the first audio of this connection arrived
        self._feed(splitter, head, titles, recovery, joined)
        for chunk in chunks:
            if self._stopping.is_set():
                return
            audio, titles = icy.feed(chunk)
            self._feed(splitter, audio, titles, recovery, joined)

    def _sniff(self, chunks, icy: IcyDemuxer, content_type: str):
        """The first audio bytes, enough to tell the codec (and to refuse a web page)."""
        head, titles = b"", []
        try:
            for chunk in chunks:
                audio, found = icy.feed(chunk)
                titles += [(len(head) + offset, title) for offset, title in found]
                head += audio
                if head and (len(head) >= SNIFF_BYTES
                             or classify(content_type, head) is not None):
                    break
        except ConnectionError:
            if not head:
                raise
        return head, titles

    @staticmethod
    def _not_audio(content_type: str, head: bytes) -> str:
        if is_web_page(content_type, head):
            return WEB_PAGE
        shown = one_line(content_type.split(";")[0].strip(), 40) or "no content type"
        return f"catch-up cannot hold this stream: {shown} is not MP3, AAC or Ogg " \
               "Vorbis, Opus or FLAC"

    def _feed(self, splitter: FrameSplitter, audio: bytes, titles: list[tuple[int, str]],
              recovery: Recovery, joined: list[float]) -> None:
        """Frames of `audio` into the buffer; an Ogg header set goes with the audio after it."""
        before = splitter.position  # where `audio` starts in the stream
        units = splitter.feed_units(audio)
        if not units:
            return
        # an ICY title's place: its offset in the stream, from where these frames start
        start = splitter.consumed - sum(len(u.data) for u in units)
        placed = [(before + offset - start, title) for offset, title in titles]
        batch: list[Unit] = []
        for unit in units:
            if unit.chain is None:
                batch.append(unit)
                continue
            self._append(batch, placed, recovery, joined)
            batch, placed = [], []
            if unit.chain.codec != self.codec:
                raise _Failed(f"the stream changed from {self.codec} to "
                              f"{unit.chain.codec or 'a codec catch-up cannot hold'}")
            self._headers, self._chain_title = unit.data, unit.chain.title
        self._append(batch, placed, recovery, joined)

    def _append(self, batch: list[Unit], titles: list[tuple[int, str]], recovery: Recovery,
                joined: list[float]) -> None:
        if not batch:
            return
        if self._chain_title:  # the title of the chain these pages begin
            titles = [(0, self._chain_title), *titles]
            self._chain_title = ""
        seconds = [u.seconds for u in batch]
        arrived = time.time()
        self._buffer.append(b"".join(u.data for u in batch), sum(seconds), arrived=arrived,
                            titles=titles, sizes=[len(u.data) for u in batch],
                            seconds=seconds, headers=self._headers)
        self._headers = b""
        recovery.audio(time.monotonic())
        if not joined:
            joined.append(arrived)
        if arrived - joined[0] < LAG_SETTLE_S:  # the burst: how long before its first audio
            self.joined_lag_s = max(0.0, joined[0] - self._buffer.run_start)  # arrived
        if self.state != "holding":
            self.state, self.error = "holding", ""
        self._ready.set()

    def _folder(self) -> Path:
        self.buffer_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"stream-{os.getpid()}-", dir=self.buffer_dir))
