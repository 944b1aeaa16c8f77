"""The libvlc backend: the only module that imports vlc.

One explicit Instance, no video. With `audio_file` all audio goes to a WAV file
(libvlc's afile output) instead of the sound card. Events are the media's own
(state changes), so each carries the session of the media it came from;
the callbacks copy one integer and hand a BackendEvent to the listener, never
calling libvlc (see player/backend.py for the threading rule).

Commands (open, play, stop, volume, seek) run in order on one worker thread, so
the caller (the Kivy thread) never waits for libvlc: stopping a stream waits for
its connection to close, 3-30 ms a switch. Queries (title, audio progress,
position) read libvlc directly under a lock the worker holds only while it swaps
media; until the worker has loaded the latest `open()`, they answer as for a
stream that has not started ("", 0).

Every URL goes through `UrlGate.vetted` (player/libvlc_urls.py) on the worker, at each
open, before libvlc sees it: its redirects are resolved by the app's HTTP client, each
target vetted, and libvlc gets the final http(s) URL; a refused URL never reaches libvlc
(its session gets an "error" event and one log line). An open superseded by a later one
before the worker got to it is skipped, and one superseded while its URL is being checked
is dropped at once (the check runs on a thread of its own).

Proxies: when the environment names one, libvlc asks infra/proxy_env.py (put on its PATH
as the libproxy helper it runs) before each connection: the listener's proxy, never for
the relay or a no_proxy host.

Plain `http://` live streams are opened as `icyx://` (libvlc's ICY-capable access):
libvlc's default http access opens an Icecast stream twice (it gives up on the
first request when it sees ICY headers), `icyx` opens it once with the same
titles. https and HLS playlists keep their scheme.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from infra.errors import BadInput, OnAirError
from infra.proxy_env import has_proxy, install_helper
from infra.urls import one_line
from player.backend import BackendEvent, EventKind, Listener
from player.libvlc_urls import UrlGate, add_own_prefix

INSTALL_HINT = "install libvlc5 and vlc-plugin-base (apt-get install libvlc5 vlc-plugin-base)"
LIVE_CACHING_MS = 300
SHUTDOWN_WAIT_S = 10.0
_log = logging.getLogger(__name__)
ONDEMAND_CACHING_MS = 1000
VET_POLL_S = 0.05  # how often a URL check in progress looks for a later open()

try:
    import vlc
except (ImportError, NotImplementedError, OSError) as _err:  # libvlc missing on the system
    vlc = None
    _IMPORT_ERROR: BaseException | None = _err
else:
    _IMPORT_ERROR = None


def libvlc_mrl(url: str, *, live: bool = True) -> str:
    """The MRL libvlc gets for a checked http(s) URL (see the module docstring).
    On-demand files keep http: libvlc's default access can seek them (range requests)."""
    lower = url.lower()
    if live and lower.startswith("http://") and ".m3u8" not in lower:
        return "icyx://" + url[len("http://"):]
    return url


def instance_args(audio_file: str | None) -> list[str]:
    args = ["--no-video", "--quiet"]
    if audio_file:
        args += ["--aout=afile", f"--audiofile-file={audio_file}", "--audiofile-wav"]
    return args


class VlcBackend:
    def __init__(self, audio_file: str | None = None, gate: UrlGate | None = None) -> None:
        if audio_file and not os.path.isdir(os.path.dirname(os.path.abspath(audio_file))):
            raise BadInput(f"ONAIR_AUDIO_FILE {audio_file}: its folder does not exist")
        if vlc is None:
            raise OnAirError(f"libvlc could not be loaded ({_IMPORT_ERROR}): {INSTALL_HINT}")
        self._own_http = None  # the HTTP client of a default gate, closed at shutdown
        if gate is None:
            from infra.http import HttpClient
            from infra.paths import Paths

            self._own_http = HttpClient(Paths.from_env().cache_dir)
            gate = UrlGate(self._own_http)
        self._gate = gate
        self._helper = _proxy_helper(self._gate.own_prefix)
        self._instance = vlc.Instance(*instance_args(audio_file))
        if self._instance is None:
            raise OnAirError(f"libvlc did not start: {INSTALL_HINT}")
        self._player = self._instance.media_player_new()
        self._media = None  # set by the worker, under _lock
        self._volume, self._muted = 100, False  # the listener's, set again once playing
        self._media_session = 0  # the session of _media
        self._session = 0  # the latest open() (caller's thread)
        self._closing = False
        self._listener: Listener | None = None
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[Callable[[], object] | None] = queue.SimpleQueue()
        self._worker = threading.Thread(target=self._work, name="onair-vlc", daemon=True)
        self._worker.start()
        states = vlc.State
        self._states: dict[int, EventKind] = {
            states.Opening.value: "opening", states.Buffering.value: "buffering",
            states.Playing.value: "playing", states.Paused.value: "paused",
            states.Stopped.value: "stopped", states.Ended.value: "ended",
            states.Error.value: "error",
        }

    def set_listener(self, listener: Listener | None) -> None:
        with self._lock:
            self._listener = listener

    def _emit(self, kind: EventKind, session: int) -> None:
        with self._lock:
            listener = self._listener
        if listener is not None:
            listener(BackendEvent(kind, session))

    # -- the worker ------------------------------------------------------
    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except Exception:  # noqa: BLE001 - one failed command must not stop the rest
                _log.exception("libvlc command failed")

    def _load(self, url: str, live: bool, session: int) -> None:
        """On the worker: stop what plays, vet `url` (module docstring), then make its final
        URL the player's media; skipped when a later open() is queued behind it."""
        if session != self._session:
            return
        self._player.stop()
        vetted = self._vet(url, session)
        if vetted is None:
            return  # superseded, or shutting down
        if isinstance(vetted, OnAirError):
            _log.info("not opened: %s", one_line(str(vetted), 300))
            self._release_media()
            self._emit("error", session)
            return
        url = vetted
        caching_ms = LIVE_CACHING_MS if live else ONDEMAND_CACHING_MS
        media = self._instance.media_new_location(libvlc_mrl(url, live=live))
        media.add_option(f":network-caching={caching_ms}")

        def on_state(event: object) -> None:
            state = event.u.new_state  # copied: the event struct is reused by libvlc
            kind = self._states.get(int(state))
            if kind == "playing":  # never libvlc from a callback: the worker sets them
                self._jobs.put(partial(self._apply_audio_settings, session))
            if kind is not None:
                self._emit(kind, session)

        media.event_manager().event_attach(vlc.EventType.MediaStateChanged, on_state)
        self._release_media(replace_with=(media, session))
        self._player.set_media(media)

    def _vet(self, url: str, session: int) -> str | OnAirError | None:
        """`gate.vetted(url)` on a thread of its own, waited for here unless a later open()
        or shutdown comes first (then None: a hung server must not hold the next station's
        open; the abandoned request ends by its own deadline)."""
        answer: list[str | OnAirError] = []

        def run() -> None:
            try:
                answer.append(self._gate.vetted(url))
            except OnAirError as err:
                answer.append(err)
            except Exception as exc:  # noqa: BLE001 - a bug: this try fails, visibly
                _log.exception("checking a stream URL failed")
                answer.append(OnAirError(f"the stream URL could not be checked "
                                         f"({exc.__class__.__name__})"))

        thread = threading.Thread(target=run, name="onair-vet", daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(VET_POLL_S)
            if session != self._session or self._closing:
                return None
        return answer[0]

    def _release_media(self, replace_with: tuple[object, int] | None = None) -> None:
        with self._lock:
            old = self._media
            self._media, self._media_session = replace_with or (None, 0)
            if old is not None:
                old.event_manager().event_detach(vlc.EventType.MediaStateChanged)
                old.release()

    # -- commands (queued) ------------------------------------------------
    def open(self, url: str, *, live: bool) -> int:
        self._session += 1
        self._jobs.put(partial(self._load, url, live, self._session))
        return self._session

    def play(self) -> None:
        self._jobs.put(self._player.play)

    def pause(self) -> None:
        self._jobs.put(partial(self._player.set_pause, 1))

    def stop(self) -> None:
        self._jobs.put(self._player.stop)

    def set_volume(self, volume: int) -> None:
        self._volume = max(0, min(100, int(volume)))
        self._jobs.put(partial(self._player.audio_set_volume, self._volume))

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)
        self._jobs.put(partial(self._player.audio_set_mute, self._muted))

    def _apply_audio_settings(self, session: int, tries: int = 100) -> None:
        """On the worker, once a stream plays: libvlc's pulse output drops a volume or mute
        set before its audio output exists (every start was heard at 100, unmuted; found
        by tests/player/test_sound_path.py), so they are set again as soon as it exists,
        asked again every 10 ms (for at most a second) without holding the worker."""
        if session != self._media_session:
            return  # another stream was loaded since
        if self._player.audio_get_volume() == -1 and tries > 0:  # no audio output yet
            timer = threading.Timer(0.01, self._jobs.put,
                                    (partial(self._apply_audio_settings, session, tries - 1),))
            timer.daemon = True
            timer.start()
            return
        self._player.audio_set_volume(self._volume)
        self._player.audio_set_mute(self._muted)

    def seek(self, seconds: float) -> None:
        self._jobs.put(partial(self._player.set_time, int(max(0.0, seconds) * 1000)))

    # -- queries (direct) -------------------------------------------------
    def _loaded(self) -> bool:
        """The latest open() is the player's media (call under _lock)."""
        return self._media is not None and self._media_session == self._session

    def now_playing(self) -> str:
        with self._lock:
            return (self._media.get_meta(vlc.Meta.NowPlaying) or "") if self._loaded() else ""

    def audio_progress(self) -> int:
        stats = vlc.MediaStats()
        with self._lock:
            if not self._loaded() or not self._media.get_stats(stats):
                return 0
        return int(stats.decoded_audio)

    def position_s(self) -> float:
        with self._lock:
            return max(0, self._player.get_time()) / 1000.0 if self._loaded() else 0.0

    def duration_s(self) -> float:
        with self._lock:
            return max(0, self._player.get_length()) / 1000.0 if self._loaded() else 0.0

    def seekable(self) -> bool:
        with self._lock:
            return bool(self._player.is_seekable()) if self._loaded() else False

    def shutdown(self) -> None:
        if self._player is None:
            return
        self.set_listener(None)
        self._closing = True
        self._jobs.put(None)
        self._worker.join(SHUTDOWN_WAIT_S)
        if self._worker.is_alive():  # libvlc hung: leave it to the process exit
            _log.warning("libvlc did not stop within %s s", SHUTDOWN_WAIT_S)
        else:
            self._player.stop()
            self._release_media()
            self._player.release()
            self._instance.release()
        self._player = None
        self._instance = None
        if self._helper is not None:
            shutil.rmtree(self._helper, ignore_errors=True)
            self._helper = None
        if self._own_http is not None:
            self._own_http.close()


def _proxy_helper(own_prefix: str | None) -> str | None:
    """When the environment names a proxy: libvlc's proxy helper (infra/proxy_env.py) in a
    private folder put first on PATH, the relay exempt; its folder, or None."""
    if not has_proxy(os.environ):
        return None
    folder = tempfile.mkdtemp(prefix="onair-libvlc-")
    install_helper(Path(folder))
    os.environ["PATH"] = folder + os.pathsep + os.environ.get("PATH", "")
    if own_prefix:
        add_own_prefix(own_prefix)
    return folder


def make_backend(audio_file: str | None, gate: UrlGate | None = None) -> VlcBackend:
    """The real backend; `audio_file` (ONAIR_AUDIO_FILE) writes all audio to that WAV;
    `gate` vets every URL before libvlc opens it (by default over an HTTP client of its own,
    with no URL exempt)."""
    return VlcBackend(audio_file, gate)
