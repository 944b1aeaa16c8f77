"""Catch-up in the player: the live station's stream is held by the app (player.holder) and
played through the loopback relay (player.relay), so the listener can pause live, move 30 s
back and forward, go to the start of the program and come back to live.

The player controller owns one `CatchUp` (services.Services hands in the StreamHolder and the
Relay) and calls it on the Kivy thread, around its usual tries and recovery:
- `open(url)` for each try of a live stream: a URL the reader can hold (http(s), not HLS
  or a playlist: `can_hold`) gets the station's reader (acquired once, kept across tries,
  pauses and seeks, replaced on the same buffer when it failed) and comes back as the relay
  URL at the playhead; any other URL comes back as it is (libvlc's own access) and `note`
  says "catch-up not available for this stream". A reader failure needs no path of its
  own: the relay answers 502 or ends, libvlc reports an error or the end, and the
  controller's Reconnect retries and describes the station's own URL, as without catch-up.
- `cannot_hold()`, polled by the controller while a try opens: True once the reader found
  the stream is audio it cannot hold (another codec or container: it knows from the first
  bytes). The URL is remembered (DIRECT_MEMORY of them), so the controller reopens the same
  URL at once and this and every later `open(url)` plays it directly with the note: the
  first try never fails, and a later switch to the station costs no reader.
- `settle(played_s)` when a try ends (lost, stopped, paused, moved), with the seconds of
  audio it played: the playhead moves on by that much.
- `pin()` on pause: the playhead stays where it is while the reader keeps buffering.
- `move_to(moment)` / `move_by(seconds)` / `to_live()`: the next try starts there.
- `release()` on stop, switch and shutdown: the reader goes (the holder deletes its buffer
  when no recording shares it).

The timeline (player/ring_buffer.py): a moment is the wall-clock time at which it was live.
"Live" is where a direct player would be: the newest moment held minus the burst the server
sent at connect (`joined_lag_s`). The playhead is live, or the moment the relay started at
plus the audio played since; `behind_live_s` is live minus the playhead (0 at live).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from player.relay import live_moment
from player.stream_reader import can_hold

NOT_AVAILABLE = "catch-up not available for this stream"
DIRECT_MEMORY = 64  # URLs remembered as ones the reader cannot hold (for the app's run)
SKIP_S = 30.0
LIVE_SNAP_S = 2.0  # a move that lands closer to live than this plays live


@dataclass(frozen=True)
class Span:
    """What catch-up holds now: moments (epoch seconds) and the gaps between start and live."""

    start: float
    live: float
    gaps: tuple[tuple[float, float], ...] = ()

    def rounded(self) -> Span:
        """To the second: what views follow changes once a second, not on every frame."""
        return Span(float(round(self.start)), float(round(self.live)),
                    tuple((float(round(a)), float(round(b))) for a, b in self.gaps))


def target(moment: float, span: Span) -> float | None:
    """Where a move to `moment` plays from: clamped into the span, None (live) near live."""
    if moment >= span.live - LIVE_SNAP_S:
        return None
    return max(span.start, moment)


def playhead(anchor: float | None, played_s: float, span: Span) -> float:
    """The moment heard: live when `anchor` is None, else `anchor` plus the audio played,
    never past live."""
    if anchor is None:
        return span.live
    return min(span.live, anchor + max(0.0, played_s))


class Holder(Protocol):
    def acquire(self, url: str, *, reconnect: bool = False): ...
    def release(self, reader) -> None: ...


class Relay(Protocol):
    def url_for(self, reader, at: float | None = None) -> str: ...
    def forget(self, reader) -> None: ...


class CatchUp:
    """The time shift of one player (see the module docstring). Kivy thread only. Without a
    holder and a relay it is off: every URL plays as it is, nothing is ever held."""

    def __init__(self, holder: Holder | None = None, relay: Relay | None = None) -> None:
        self._holder, self._relay = holder, relay
        self._reader = None
        self._url = ""
        self._anchor: float | None = None  # None: live
        self._direct: dict[str, None] = {}  # URLs the reader cannot hold, oldest first
        self.note = ""  # NOT_AVAILABLE while a stream that cannot be held plays

    # -- tries -------------------------------------------------------------------------------
    def open(self, url: str) -> str:
        """The URL the backend opens for a try of the live stream `url`."""
        if self._holder is None or self._relay is None:
            return url
        if not can_hold(url) or url in self._direct:
            self.release()
            self.note = NOT_AVAILABLE
            return url
        self.note = ""
        if url != self._url:
            self.release()
        if self._reader is None or self._reader.ended:
            old, self._reader, self._url = self._reader, self._holder.acquire(url), url
            if old is not None:
                self._let_go(old)  # after the acquire: its buffer stays
        span = self.span()
        if self._anchor is not None and span is not None:
            self._anchor = max(span.start, self._anchor)
        return self._relay.url_for(self._reader, self._anchor)

    def cannot_hold(self) -> bool:
        """True (once) when the reader found that the stream it opens is one it cannot hold:
        the reader goes, and the URL plays directly from the next `open` on."""
        reader = self._reader
        if reader is None or not reader.ended or reader.holdable:
            return False
        self._direct[self._url] = None
        while len(self._direct) > DIRECT_MEMORY:
            del self._direct[next(iter(self._direct))]
        self.release()
        self.note = NOT_AVAILABLE
        return True

    def release(self) -> None:
        """Let go of the reader and go back to live (stop, switch)."""
        if self._reader is not None:
            self._let_go(self._reader)
        self._reader, self._url, self._anchor, self.note = None, "", None, ""

    def _let_go(self, reader) -> None:
        self._relay.forget(reader)
        self._holder.release(reader)

    # -- the playhead ----------------------------------------------------------------------
    def settle(self, played_s: float) -> None:
        """A try ended after `played_s` seconds of audio: a shifted playhead moves on."""
        span = self.span()
        if self._anchor is not None and span is not None:
            self._anchor = playhead(self._anchor, played_s, span)

    def pin(self) -> None:
        """Paused: a live playhead becomes the moment it was at (after `settle`)."""
        span = self.span()
        if self._anchor is None and span is not None:
            self._anchor = span.live

    def move_to(self, moment: float) -> bool:
        """The next try plays from `moment` (after `settle`); False when that changes
        nothing (nothing held, or live to live)."""
        span = self.span()
        if span is None:
            return False
        old, self._anchor = self._anchor, target(moment, span)
        return not (old is None and self._anchor is None)

    def move_by(self, seconds: float) -> bool:
        span = self.span()
        return span is not None and self.move_to(playhead(self._anchor, 0.0, span) + seconds)

    def to_live(self) -> bool:
        """Live from the next try; False when it was live already."""
        moved, self._anchor = self._anchor is not None, None
        return moved

    def play_live(self, *, keep: bool) -> None:
        """A fresh play: live from now on; `keep` False (another station) lets go of the
        held stream at once."""
        if not keep:
            self.release()
        self._anchor = None

    # -- what the views show ---------------------------------------------------------------
    @property
    def held(self) -> bool:
        """A reader holds this stream (catch-up is on for it, audio held or not yet)."""
        return self._reader is not None

    @property
    def url(self) -> str:
        """The station URL held ("" when none)."""
        return self._url

    def span(self) -> Span | None:
        """The buffered span, None until audio is held."""
        buffer = self._reader.buffer if self._reader is not None else None
        if buffer is None or not buffer.end > buffer.start:
            return None
        live = live_moment(self._reader)
        return Span(buffer.start, live, tuple((a, b) for a, b in buffer.gaps if a < live))

    def playhead(self, played_s: float) -> float | None:
        """The moment heard after `played_s` seconds of this try's audio (None: none held)."""
        span = self.span()
        return None if span is None else playhead(self._anchor, played_s, span)

    def behind_live_s(self, played_s: float) -> float:
        span = self.span()
        return 0.0 if span is None else span.live - playhead(self._anchor, played_s, span)

    def title_at(self, played_s: float) -> str:
        """The ICY title heard at the playhead ("" when none): the relay sends no titles.
        Before the first title held, the first one: a server sends the current title at its
        first metadata interval, seconds into the audio it had already sent."""
        moment = self.playhead(played_s)
        if moment is None:
            return ""
        buffer = self._reader.buffer
        return buffer.title_at(moment) or next(
            (title for _t, title in buffer.titles_between(moment, math.inf)), "")
