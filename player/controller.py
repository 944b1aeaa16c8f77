"""PlayerController: what plays, its state, and recovery from drops and stalls.

A Kivy EventDispatcher shared by the GUI and the CLI. It runs on the Kivy thread: backend
events arrive on libvlc's threads and are hopped over with `Clock.schedule_once`; finding
the next mirror (which may fetch a playlist) and describing a failure run on the task
runner's interactive lane (player.reconnect). A watchdog on the Kivy clock polls the
backend for audio progress, the stream title and the on-demand position.

Mirrors are lazy: `play` opens the station's first mirror that resolves at once; the next
one is resolved only when the URLs found so far have failed, while those keep being retried.
Recovery: when a live stream ends, fails, gives no audio for `stall_s` seconds, or gives no
audio `open_timeout_s` (2.5 s, doubled on each failed try) after it was opened (libvlc can
lose sync on an AAC stream that starts mid-frame and then waits forever: the first such
silent open is tried again at once), the controller waits per its RetryPolicy (state
"reconnecting", `retry_in_s` counting down, `reason` saying why) and opens the next URL;
`retry_now()` cuts the wait short. Once audio of the station was heard, it never gives up by
itself: outages are probed often at first, then less (player.recovery), until the listener
stops, pauses or switches. A first connection that never gives audio ends after the policy's
few tries in state "error" with a one-line message.

Catch-up (player.catchup, from services.Services): a held live stream plays through the relay
from the playhead, so a pause keeps its place and `skip`, `seek_to` and `to_live` move in
it; a stream the reader cannot hold is reopened directly within the same try (`_unheld`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)

from infra.errors import OnAirError
from infra.tasks import TaskRunner
from infra.urls import check_stream_url, one_line
from player.backend import Backend, BackendEvent
from player.catchup import CatchUp
from player.mirrors import Mirrors
from player.reconnect import Reconnect
from player.recovery import LIVE_POLICY, SILENT_OPEN, Recovery, RetryPolicy, describe_failure
from player.resolver import Fetcher, lazy_candidates, resolve_stream
from player.states import ACTIVE, IDLE, STATES
from player.stations import Station

Resolve = Callable[[Station], Iterable[str]]  # a station's playable URLs, taken lazily
WATCH_INTERVAL_S = 0.1
TITLE_LIMIT = 200


def direct_mirrors(station: Station) -> Iterable[str]:
    """The station's stream URLs as they are (no playlist expansion): the default resolver."""
    return lazy_candidates(station, lambda url: [check_stream_url(url)])


def playlist_resolver(fetch: Fetcher) -> Resolve:
    """The resolver to inject: the station's mirrors, playlists expanded (player.resolver),
    each resolved only when the player gets to it."""
    return lambda station: lazy_candidates(station, lambda url: resolve_stream(url, fetch))


def clean_title(text: str) -> str:
    """An ICY title as one plain line (remote text: control characters dropped)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:TITLE_LIMIT]


class PlayerController(EventDispatcher):
    station = ObjectProperty(None, allownone=True)
    state = OptionProperty("stopped", options=list(STATES))
    error = StringProperty("")
    reason = StringProperty("")  # while reconnecting: why ("connection refused", ...)
    volume = NumericProperty(100)
    muted = BooleanProperty(False)
    now_playing = StringProperty("")
    connected_s = NumericProperty(0)
    retry_in_s = NumericProperty(0)
    mode = OptionProperty("live", options=["live", "ondemand"])
    position_s = NumericProperty(0)
    duration_s = NumericProperty(0)
    seekable = BooleanProperty(False)
    catchup = BooleanProperty(False)  # the live stream is held: pause, skip and seek in it
    catchup_note = StringProperty("")  # "catch-up not available for this stream"
    behind_live_s = NumericProperty(0)
    buffer_span = ObjectProperty(None, allownone=True)

    def __init__(self, backend: Backend, resolve: Resolve | None = None, *,
                 tasks: TaskRunner, clock: Callable[[], float] = time.monotonic,
                 policy: RetryPolicy = LIVE_POLICY, stall_s: float = 8.0,
                 open_timeout_s: float = 2.5,
                 describe: Callable[[str], str] = describe_failure,
                 catchup: CatchUp | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._backend = backend
        self._catchup = catchup or CatchUp()  # without holder and relay: off
        self._tasks = tasks
        self._resolve = resolve or direct_mirrors
        self._clock = clock
        self._policy = policy
        self._stall_s = stall_s
        self._open_timeout_s = min(open_timeout_s, stall_s)
        self._opened = False
        self._describe = describe
        self._session = -1  # the backend session whose events count (-1: none open)
        self._reconnect: Reconnect | None = None  # this play session's recovery
        self._progress = -1
        self._progress_at = 0.0
        self._playing_since: float | None = None
        self._ondemand_title = ""
        self._live_station: Station | None = None
        backend.set_listener(self._from_backend)
        backend.set_volume(int(self.volume))
        self._watch = Clock.schedule_interval(self._tick, WATCH_INTERVAL_S)

    # -- public API ------------------------------------------------------
    def select(self, station: Station) -> None:
        """Make `station` current without playing it (stops another station's stream)."""
        if station != self.station and self.state != "stopped":
            self.stop()
        self.station = station

    def play(self, station: Station | None = None) -> None:
        """Play `station` (or the current one) live, from a fresh connection."""
        station = station or self.station or self._live_station
        if station is None:
            return
        self._halt()
        self._catchup.play_live(keep=station == self.station)
        self.mode = "live"
        self.station = station
        self.now_playing = ""
        self._start(Mirrors(self._lazy_urls(station)), station.name)

    def play_ondemand(self, url: str, title: str) -> None:
        """Play a recording (the newscast); `back_to_live()` returns to the station."""
        if self.mode == "live":
            self._live_station = self.station
        self._halt(release=True)
        self.mode = "ondemand"
        self.now_playing = self._ondemand_title = clean_title(title)
        try:
            mirrors = Mirrors(urls=[check_stream_url(url)])
        except OnAirError as err:
            self.fail(str(err))
            return
        self._start(mirrors, "The recording")

    def back_to_live(self) -> None:
        station = self._live_station or self.station
        self._live_station = None
        if station is None:
            self.stop()
            self.mode = "live"
        else:
            self.play(station)

    def pause(self) -> None:
        """On demand: pause in place. Live: let go of the stream; play resumes live."""
        if self.state in IDLE:
            return
        if self.mode == "ondemand" and self.state == "playing":
            self._backend.pause()
        else:
            self._halt()
            self._catchup.pin()  # a held stream goes on buffering; resume plays from here
        self.state = "paused"
        self.reason = ""

    def toggle(self) -> None:
        if self.state in IDLE:
            self.resume()
        else:
            self.pause()

    def resume(self) -> None:
        urls = self._reconnect.mirrors.urls if self._reconnect is not None else []
        if self.mode == "ondemand" and self.state == "paused" and self._session != -1:
            self.state = "playing"
            self._progress_at = self._clock()
            self._backend.play()
        elif self.mode == "ondemand" and urls:
            self.play_ondemand(urls[0], self._ondemand_title)
        elif self._catchup.held and self.station is not None:
            held = Mirrors(self._lazy_urls(self.station), urls=[self._catchup.url])
            self._start(held, self.station.name)  # from the playhead, on the held stream
        else:
            self.play()

    def retry_now(self) -> None:
        """While waiting to reconnect: try the next stream now instead of after the wait."""
        if self.state == "reconnecting" and self._reconnect is not None:
            self._reconnect.retry_now()

    def stop(self) -> None:
        """Stop by the user: nothing pending is allowed to restart playback."""
        self._halt(release=True)
        self.state = "stopped"
        self.retry_in_s = 0
        self.reason = ""

    def set_volume(self, volume: float) -> None:
        self.volume = max(0, min(100, round(volume)))
        self._backend.set_volume(int(self.volume))

    def toggle_mute(self) -> None:
        self.muted = not self.muted
        self._backend.set_muted(self.muted)

    def seek(self, seconds: float) -> None:
        if self.mode == "ondemand" and self.seekable:
            self._backend.seek(seconds)
            self.position_s = max(0.0, seconds)

    # -- catch-up: moves in the held stream (no-ops while it is not available) --------------
    def skip(self, seconds: float) -> None:
        """`seconds` forward (negative: back); past live is live."""
        self._shift(lambda c: c.move_by(seconds))

    def seek_to(self, moment: float) -> None:
        """To `moment` (epoch seconds, clamped to what is held)."""
        self._shift(lambda c: c.move_to(moment))

    def to_live(self) -> None:
        """Back to live, playing (also from a pause)."""
        if self._shift(CatchUp.to_live) and self.state == "paused":
            self.resume()

    def _shift(self, move: Callable[[CatchUp], object]) -> bool:
        if not self.catchup:
            return False
        self._settle()
        moved = move(self._catchup)
        if moved and self._session != -1 and self._reconnect is not None:  # reopen there
            self.state = "buffering"
            self.try_url(self._reconnect.mirrors.current)
        self._show_catchup()
        return True

    def shutdown(self) -> None:
        self._halt(release=True)
        self._watch.cancel()
        self._backend.set_listener(None)
        self._backend.shutdown()

    # -- the Host of Reconnect (player.reconnect) --------------------------
    def try_url(self, url: str) -> None:
        """Open `url` and play it (called by this session's Reconnect)."""
        if self.mode == "live":
            url = self._catchup.open(url)  # the relay at the playhead, or `url` as it is
        self._session = self._backend.open(url, live=self.mode == "live")
        self._progress_at = self._clock()
        self._opened = False
        self._progress = -1
        self._playing_since = None
        self._backend.set_volume(int(self.volume))
        self._backend.set_muted(self.muted)
        self._backend.play()

    def trying(self) -> bool:
        """A try is open: its events and audio count."""
        return self._session != -1

    def fail(self, message: str) -> None:
        """Give up: state "error" with `message` as one line."""
        self._halt(release=True)
        self.error = one_line(message, 300)
        self.state = "error"
        self.retry_in_s = 0
        self.reason = ""

    # -- sessions ----------------------------------------------------------
    def _lazy_urls(self, station: Station) -> Iterator[str]:
        """The resolver's URLs for `station`; the resolver itself is called on the first pull,
        on a worker: nothing is resolved on the UI thread, not even the first mirror."""
        yield from self._resolve(station)

    def _start(self, mirrors: Mirrors, name: str) -> None:
        self.error = ""
        self.reason = ""
        self.state = "connecting"
        self._reconnect = Reconnect(self, mirrors, Recovery(self._policy, live=self.mode == "live"),
                                    name=name, tasks=self._tasks, clock=self._clock,
                                    describe=self._describe)
        self._reconnect.start()

    def _halt(self, *, release: bool = False) -> None:
        """Forget the session: cancel retries, stop the backend; `release`: the held stream too."""
        self._settle()
        if release:
            self._catchup.release()
        if self._reconnect is not None:
            self._reconnect.cancel()
        self._session = -1
        self._backend.stop()
        self._playing_since = None
        self.connected_s = 0

    def _from_backend(self, event: BackendEvent) -> None:
        """Called on a backend thread: hop to the Kivy thread, nothing else."""
        Clock.schedule_once(partial(self._on_event, event), 0)

    def _on_event(self, event: BackendEvent, _dt: float = 0) -> None:
        if event.session != self._session or self.state in IDLE:
            return
        if event.kind == "playing":
            self._opened = True
        if event.kind == "playing" and self.state in ("connecting", "buffering"):
            self.state = "buffering"  # "playing" once audio is decoded (see _tick)
        elif event.kind == "buffering" and self.state == "connecting":
            self.state = "buffering"
        elif event.kind in ("ended", "error"):
            if self.mode == "ondemand" and event.kind == "ended":
                self._halt()
                self.state = "stopped"
                return
            self._lost("the stream ended" if event.kind == "ended" else "the stream failed")

    def _lost(self, why: str) -> None:
        """The try failed: let go of it; the session's Reconnect decides what comes next."""
        if self._unheld():
            return
        self._session = -1  # late events of the lost stream no longer count
        self._settle()
        self._backend.stop()
        self._playing_since = None
        if self._reconnect is not None:
            self._reconnect.lost(why)

    # -- watchdog --------------------------------------------------------
    def _tick(self, _dt: float) -> None:
        now = self._clock()
        self._show_catchup()
        if self._reconnect is not None and self._reconnect.waiting:
            self.retry_in_s = round(self._reconnect.remaining_s(), 1)
            return
        if self._session == -1 or self.state not in ACTIVE or self._unheld():
            return
        progress = self._backend.audio_progress()
        if progress > self._progress:
            if self._progress >= 0 or progress > 0:
                self._progress_at = now
                self._on_audio(now)
            self._progress = progress
        elif now - self._progress_at > (self._stall_s if self._opened else self._open_timeout()):
            self._lost("no audio" if self._playing_since is not None else SILENT_OPEN)
            return
        if self.mode == "live":
            title = clean_title(self._catchup.title_at(self._played_s())  # the relay's none
                                or self._backend.now_playing())
            if title and title != self.now_playing:
                self.now_playing = title
        else:
            self.position_s = self._backend.position_s()
            self.duration_s = self._backend.duration_s()
            self.seekable = self._backend.seekable()

    def _unheld(self) -> bool:
        """The reader cannot hold this try's stream: the same URL directly, as the same try."""
        if self.mode != "live" or self._reconnect is None or not self._catchup.cannot_hold():
            return False
        self.try_url(self._reconnect.mirrors.current)
        return True

    def _played_s(self) -> float:  # seconds of audio this try has played (0 before any)
        return 0.0 if self._playing_since is None else self._progress_at - self._playing_since

    def _settle(self) -> None:
        """The try ends here: catch-up's playhead moves on by the audio it played."""
        if self._playing_since is not None:
            self._catchup.settle(self._played_s())
            self._playing_since = None

    def _show_catchup(self) -> None:
        span = self._catchup.span() if self.mode == "live" else None
        self.catchup, self.buffer_span = span is not None, span and span.rounded()
        self.behind_live_s = round(self._catchup.behind_live_s(self._played_s())) if span else 0
        self.catchup_note = self._catchup.note  # set by open(), in live mode only

    def _open_timeout(self) -> float:
        if self._reconnect is None:
            return self._open_timeout_s
        return min(self._stall_s, self._reconnect.recovery.open_timeout_s(self._open_timeout_s))

    def _on_audio(self, now: float) -> None:
        if self.state != "playing":
            self.state = "playing"
            self.retry_in_s = 0
            self.reason = ""
        if self._playing_since is None:
            self._playing_since = now
        self.connected_s = now - self._playing_since
        if self._reconnect is not None:
            self._reconnect.audio(now)
