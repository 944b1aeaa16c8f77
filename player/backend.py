"""The playback API the controller talks to; libvlc and an in-memory fake implement it.

Threading rule: a backend may deliver events on any thread (libvlc calls back on
its own threads). The listener must only copy the event and hop to its own
thread; the player controller does `Clock.schedule_once`. Every other method is
called from one thread (the Kivy thread) and never from inside a listener.

Each `open()` starts a new session and returns its number; every event carries the
session it belongs to, so late events of a stream already replaced can be dropped.

Event kinds:
- "opening", "buffering", "playing", "paused", "stopped": the stream's state.
- "ended": the stream reached its end (on a live station: the server dropped it).
- "error": the stream could not be opened or failed while playing.
Duplicates are possible (libvlc reports a refused connection as "error" then "ended").

Titles and audio progress are polled, not pushed (both cheap): libvlc's ICY access
updates the title without an event, and `audio_progress()` is a counter that grows
while audio is decoded, so a caller can tell a stall (socket open, no audio).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

EventKind = Literal["opening", "buffering", "playing", "paused", "stopped", "ended", "error"]


@dataclass(frozen=True)
class BackendEvent:
    kind: EventKind
    session: int


Listener = Callable[[BackendEvent], None]


class Backend(Protocol):
    def set_listener(self, listener: Listener | None) -> None:
        """Where events go (called on any thread, see the module docstring)."""

    def open(self, url: str, *, live: bool) -> int:
        """Stop what plays, load `url` (an http(s) URL already checked) and return the session."""

    def play(self) -> None: ...

    def pause(self) -> None: ...

    def stop(self) -> None: ...

    def set_volume(self, volume: int) -> None:
        """0..100."""

    def set_muted(self, muted: bool) -> None: ...

    def now_playing(self) -> str:
        """The stream title (ICY StreamTitle), "" when none; remote text, not yet cleaned."""

    def audio_progress(self) -> int:
        """A counter that grows while audio of the current session is decoded."""

    def position_s(self) -> float:
        """Seconds into an on-demand stream (0 for live)."""

    def duration_s(self) -> float:
        """Length of an on-demand stream in seconds, 0 when unknown."""

    def seekable(self) -> bool: ...

    def seek(self, seconds: float) -> None: ...

    def shutdown(self) -> None:
        """Stop and release everything; the backend is unusable afterwards."""
