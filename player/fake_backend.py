"""An in-memory Backend for logic tests, with triggers for what real streams do.

Events go out on one worker thread, like libvlc's, in order. URLs in
`unreachable` fail at open; `drop()`, `fail()`, `stall()` and `set_title()` act on
the current stream. Audio progress grows with wall time while playing and not
stalled.
"""

from __future__ import annotations

import queue
import threading
import time

from player.backend import BackendEvent, EventKind, Listener


class FakeBackend:
    def __init__(self, *, open_delay_s: float = 0.02) -> None:
        self.open_delay_s = open_delay_s
        self.unreachable: set[str] = set()
        self.opened: list[str] = []
        self.volume = 100
        self.muted = False
        self.length_s = 0.0
        self._listener: Listener | None = None
        self._lock = threading.Lock()
        self._events: queue.Queue[BackendEvent | None] = queue.Queue()
        self._worker = threading.Thread(target=self._deliver, name="fake-backend", daemon=True)
        self._worker.start()
        self._session = 0
        self._url = ""
        self._live = True
        self._playing_since: float | None = None
        self._progress_s = 0.0
        self._stalled = False
        self._title = ""
        self._position_s = 0.0
        self._timer: threading.Timer | None = None

    # -- triggers --------------------------------------------------------
    def set_title(self, title: str) -> None:
        self._title = title

    def drop(self) -> None:
        """The server closed the stream."""
        self._halt()
        self._emit("ended")

    def fail(self) -> None:
        """The stream broke with an error."""
        self._halt()
        self._emit("error")

    def stall(self) -> None:
        """The socket stays open but no audio arrives."""
        self._settle()
        self._stalled = True

    @property
    def url(self) -> str:
        return self._url

    # -- Backend ---------------------------------------------------------
    def set_listener(self, listener: Listener | None) -> None:
        with self._lock:
            self._listener = listener

    def open(self, url: str, *, live: bool) -> int:
        self.stop()
        self._session += 1
        self._url, self._live = url, live
        self._progress_s = self._position_s = 0.0
        self._stalled = False
        self._title = ""
        self.opened.append(url)
        return self._session

    def play(self) -> None:
        if self._playing_since is not None:
            return
        self._emit("opening")
        session = self._session
        if self._url in self.unreachable:
            self._later(lambda: self._emit_for(session, "error"))
            return

        def started() -> None:
            if session == self._session:
                self._playing_since = time.monotonic()
                self._emit_for(session, "playing")

        self._later(started)

    def pause(self) -> None:
        self._halt()
        self._emit("paused")

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._halt()
        if self._session:
            self._emit("stopped")

    def set_volume(self, volume: int) -> None:
        self.volume = max(0, min(100, int(volume)))

    def set_muted(self, muted: bool) -> None:
        self.muted = bool(muted)

    def now_playing(self) -> str:
        return self._title

    def audio_progress(self) -> int:
        self._settle()
        return int(self._progress_s * 1000)

    def position_s(self) -> float:
        self._settle()
        return 0.0 if self._live else self._position_s

    def duration_s(self) -> float:
        return 0.0 if self._live else self.length_s

    def seekable(self) -> bool:
        return not self._live

    def seek(self, seconds: float) -> None:
        if not self._live:
            self._settle()
            self._position_s = max(0.0, min(self.length_s, seconds))

    def shutdown(self) -> None:
        self.stop()
        self.set_listener(None)
        self._events.put(None)

    # -- internals -------------------------------------------------------
    def _settle(self) -> None:
        """Account for audio played since the last look."""
        if self._playing_since is None:
            return
        now = time.monotonic()
        if not self._stalled:
            played = now - self._playing_since
            self._progress_s += played
            self._position_s += played
        self._playing_since = now

    def _halt(self) -> None:
        self._settle()
        self._playing_since = None

    def _later(self, fn: object) -> None:
        self._timer = threading.Timer(self.open_delay_s, fn)  # type: ignore[arg-type]
        self._timer.daemon = True
        self._timer.start()

    def _emit(self, kind: EventKind) -> None:
        self._emit_for(self._session, kind)

    def _emit_for(self, session: int, kind: EventKind) -> None:
        self._events.put(BackendEvent(kind, session))

    def _deliver(self) -> None:
        while (event := self._events.get()) is not None:
            with self._lock:
                listener = self._listener
            if listener is not None:
                listener(event)
