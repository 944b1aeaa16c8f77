"""PlayerController: what plays, its state, and recovery from drops and stalls.

A Kivy EventDispatcher shared by the GUI and the CLI. It runs on the Kivy thread:
backend events arrive on libvlc's threads and are hopped over with
`Clock.schedule_once`; stream resolution (which may fetch a playlist) runs on a
worker through `infra.tasks.run_async`. A watchdog on the Kivy clock polls the
backend for audio progress, the stream title and the on-demand position.

Recovery: when a live stream ends, fails, gives no audio for `stall_s` seconds, or
is not open after `open_timeout_s` (libvlc can lose sync on an AAC stream that
starts mid-frame and then waits forever), the controller waits per its RetryPolicy
(state "reconnecting", `retry_in_s` counting down) and opens the next mirror. A
stop by the user cancels any pending retry. After the retry budget the state is
"error" with a one-line message.
"""

from __future__ import annotations

import time
from collections.abc import Callable
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
from infra.tasks import Task, run_async
from infra.urls import check_stream_url, one_line
from player.backend import Backend, BackendEvent
from player.recovery import LIVE_POLICY, RetryPolicy, describe_failure
from player.resolver import Fetcher, stream_candidates
from player.stations import Station

Resolve = Callable[[Station], list[str]]
WATCH_INTERVAL_S = 0.25
STABLE_AFTER_S = 10.0  # audio this long in one go restores the full retry budget
TITLE_LIMIT = 200


def direct_mirrors(station: Station) -> list[str]:
    """The station's stream URLs as they are (no playlist expansion): the default resolver."""
    return [check_stream_url(s.url) for s in station.streams]


def playlist_resolver(fetch: Fetcher) -> Resolve:
    """The resolver to inject: every mirror, playlists expanded (player.resolver)."""
    return partial(stream_candidates, fetch=fetch)


def clean_title(text: str) -> str:
    """An ICY title as one plain line (remote text: control characters dropped)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:TITLE_LIMIT]


class PlayerController(EventDispatcher):
    station = ObjectProperty(None, allownone=True)
    state = OptionProperty("stopped", options=["stopped", "connecting", "buffering", "playing",
                                               "paused", "reconnecting", "error"])
    error = StringProperty("")
    volume = NumericProperty(100)
    muted = BooleanProperty(False)
    now_playing = StringProperty("")
    connected_s = NumericProperty(0)
    retry_in_s = NumericProperty(0)
    mode = OptionProperty("live", options=["live", "ondemand"])
    position_s = NumericProperty(0)
    duration_s = NumericProperty(0)
    seekable = BooleanProperty(False)

    def __init__(self, backend: Backend, resolve: Resolve | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 policy: RetryPolicy = LIVE_POLICY, stall_s: float = 8.0,
                 open_timeout_s: float = 5.0,
                 describe: Callable[[str], str] = describe_failure, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._backend = backend
        self._resolve = resolve or direct_mirrors
        self._clock = clock
        self._policy = policy
        self._stall_s = stall_s
        self._open_timeout_s = min(open_timeout_s, stall_s)
        self._opened = False
        self._describe = describe
        self._session = -1  # the backend session whose events count (-1: none)
        self._token = 0  # bumped when playback is abandoned: stale async results drop
        self._candidates: list[str] = []
        self._index = 0
        self._attempt = 0
        self._last_reason = ""
        self._task: Task | None = None
        self._retry_event = None
        self._retry_at = 0.0
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
        self.mode = "live"
        self.station = station
        self.now_playing = ""
        self.error = ""
        self._attempt = 0
        self.state = "connecting"
        token = self._token
        self._task = run_async(partial(self._resolve, station),
                               partial(self._resolved, token),
                               partial(self._resolve_failed, token))

    def play_ondemand(self, url: str, title: str) -> None:
        """Play a recording (the newscast); `back_to_live()` returns to the station."""
        if self.mode == "live":
            self._live_station = self.station
        self._halt()
        self.mode = "ondemand"
        self.now_playing = self._ondemand_title = clean_title(title)
        self.error = ""
        self._attempt = 0
        self.state = "connecting"
        try:
            self._candidates = [check_stream_url(url)]
        except OnAirError as err:
            self._fail(str(err))
            return
        self._index = 0
        self._open()

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
        if self.state in ("stopped", "paused", "error"):
            return
        if self.mode == "ondemand" and self.state == "playing":
            self._cancel_pending()
            self._backend.pause()
        else:
            self._halt()
        self.state = "paused"

    def toggle(self) -> None:
        if self.state in ("stopped", "paused", "error"):
            self.resume()
        else:
            self.pause()

    def resume(self) -> None:
        if self.mode == "ondemand" and self.state == "paused" and self._candidates:
            self.state = "playing"
            self._progress_at = self._clock()
            self._backend.play()
        elif self.mode == "ondemand" and self._candidates:
            self.play_ondemand(self._candidates[0], self._ondemand_title)
        else:
            self.play()

    def stop(self) -> None:
        """Stop by the user: nothing pending is allowed to restart playback."""
        self._halt()
        self.state = "stopped"
        self.retry_in_s = 0

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

    def shutdown(self) -> None:
        self._halt()
        self._watch.cancel()
        self._backend.set_listener(None)
        self._backend.shutdown()

    # -- opening and recovery -------------------------------------------
    def _halt(self) -> None:
        """Forget the current session: cancel resolution and retries, stop the backend."""
        self._cancel_pending()
        self._token += 1
        self._session = -1
        self._backend.stop()
        self._playing_since = None
        self.connected_s = 0

    def _cancel_pending(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._retry_event is not None:
            self._retry_event.cancel()
            self._retry_event = None

    def _resolved(self, token: int, urls: list[str]) -> None:
        if token != self._token:
            return
        self._task = None
        if not urls:
            self._fail(f"{self.station.name}: no stream to play")
            return
        self._candidates, self._index = list(urls), 0
        self._open()

    def _resolve_failed(self, token: int, err: BaseException) -> None:
        if token != self._token:
            return
        self._task = None
        why = err if isinstance(err, OnAirError) else f"{err.__class__.__name__}: {err}"
        self._fail(f"{self.station.name}: {why}")

    def _open(self) -> None:
        url = self._candidates[self._index]
        self._session = self._backend.open(url, live=self.mode == "live")
        self._progress_at = self._clock()
        self._opened = False
        self._progress = -1
        self._playing_since = None
        self._backend.set_volume(int(self.volume))
        self._backend.set_muted(self.muted)
        self._backend.play()

    def _from_backend(self, event: BackendEvent) -> None:
        """Called on a backend thread: hop to the Kivy thread, nothing else."""
        Clock.schedule_once(partial(self._on_event, event), 0)

    def _on_event(self, event: BackendEvent, _dt: float = 0) -> None:
        if event.session != self._session or self.state in ("stopped", "error", "paused"):
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

    def _lost(self, reason: str) -> None:
        """The stream dropped or stalled: schedule the next try, or give up."""
        self._session = -1  # late events of the lost stream no longer count
        self._backend.stop()
        self._playing_since = None
        self._attempt += 1
        self._last_reason = reason
        if self._policy.exhausted(self._attempt):
            self._give_up()
            return
        delay = self._policy.delay(self._attempt)
        self._retry_at = self._clock() + delay
        self.retry_in_s = delay
        self.state = "reconnecting"
        self._retry_event = Clock.schedule_once(self._retry, delay)

    def _retry(self, _dt: float) -> None:
        self._retry_event = None
        self.retry_in_s = 0
        if self.state != "reconnecting":
            return
        self._index = (self._index + 1) % len(self._candidates)
        self._open()

    def _give_up(self) -> None:
        url = self._candidates[self._index] if self._candidates else ""
        name = self.station.name if self.mode == "live" and self.station else "The recording"
        tries = self._attempt
        token = self._token

        def done(why: str) -> None:
            if token == self._token:
                self._fail(f"{name}: the stream could not be reached ({why}) after {tries} tries")

        self.state = "reconnecting"
        self.retry_in_s = 0
        self._task = run_async(partial(self._describe, url), done,
                               lambda _err: done(self._last_reason))

    def _fail(self, message: str) -> None:
        self._halt()
        self.error = one_line(message, 300)
        self.state = "error"
        self.retry_in_s = 0

    # -- watchdog --------------------------------------------------------
    def _tick(self, _dt: float) -> None:
        now = self._clock()
        if self.state == "reconnecting" and self._retry_event is not None:
            self.retry_in_s = max(0.0, round(self._retry_at - now, 1))
            return
        if self.state not in ("connecting", "buffering", "playing", "reconnecting") \
                or self._task is not None:
            return
        progress = self._backend.audio_progress()
        if progress > self._progress:
            if self._progress >= 0 or progress > 0:
                self._progress_at = now
                self._on_audio(now)
            self._progress = progress
        elif now - self._progress_at > (self._stall_s if self._opened else self._open_timeout_s):
            self._lost("no audio" if self._playing_since is not None else "no answer")
            return
        if self.mode == "live":
            title = clean_title(self._backend.now_playing())
            if title and title != self.now_playing:
                self.now_playing = title
        else:
            self.position_s = self._backend.position_s()
            self.duration_s = self._backend.duration_s()
            self.seekable = self._backend.seekable()

    def _on_audio(self, now: float) -> None:
        if self.state != "playing":
            self.state = "playing"
            self.retry_in_s = 0
        if self._playing_since is None:
            self._playing_since = now
        self.connected_s = now - self._playing_since
        if self.connected_s >= STABLE_AFTER_S:
            self._attempt = 0
