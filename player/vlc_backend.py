"""The libvlc backend: the only module that imports vlc.

One explicit Instance, no video. With `audio_file` all audio goes to a WAV file
(libvlc's afile output) instead of the sound card. Events are the media's own
(state changes), so each carries the session of the media it came from;
the callbacks copy one integer and hand a BackendEvent to the listener, never
calling libvlc (see player/backend.py for the threading rule).

Plain `http://` live streams are opened as `icyx://` (libvlc's ICY-capable access):
libvlc's default http access opens an Icecast stream twice (it gives up on the
first request when it sees ICY headers), `icyx` opens it once with the same
titles. https and HLS playlists keep their scheme.
"""

from __future__ import annotations

import os
import threading

from player.backend import BackendEvent, EventKind, Listener
from player.errors import BadInput, OnAirError

INSTALL_HINT = "install libvlc5 and vlc-plugin-base (apt-get install libvlc5 vlc-plugin-base)"
LIVE_CACHING_MS = 300
ONDEMAND_CACHING_MS = 1000

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
    def __init__(self, audio_file: str | None = None) -> None:
        if audio_file and not os.path.isdir(os.path.dirname(os.path.abspath(audio_file))):
            raise BadInput(f"ONAIR_AUDIO_FILE {audio_file}: its folder does not exist")
        if vlc is None:
            raise OnAirError(f"libvlc could not be loaded ({_IMPORT_ERROR}): {INSTALL_HINT}")
        self._instance = vlc.Instance(*instance_args(audio_file))
        if self._instance is None:
            raise OnAirError(f"libvlc did not start: {INSTALL_HINT}")
        self._player = self._instance.media_player_new()
        self._media = None
        self._session = 0
        self._listener: Listener | None = None
        self._lock = threading.Lock()
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

    def open(self, url: str, *, live: bool) -> int:
        self._release_media()
        self._session += 1
        session = self._session
        media = self._instance.media_new_location(libvlc_mrl(url, live=live))
        caching = LIVE_CACHING_MS if live else ONDEMAND_CACHING_MS
        media.add_option(f":network-caching={caching}")
        events = media.event_manager()

        def on_state(event: object, session: int = session) -> None:
            state = event.u.new_state  # copied: the event struct is reused by libvlc
            kind = self._states.get(int(state))
            if kind is not None:
                self._emit(kind, session)

        events.event_attach(vlc.EventType.MediaStateChanged, on_state)
        self._media = media
        self._player.set_media(media)
        return session

    def _release_media(self) -> None:
        self._player.stop()
        if self._media is not None:
            events = self._media.event_manager()
            events.event_detach(vlc.EventType.MediaStateChanged)
            self._media.release()
            self._media = None

    def play(self) -> None:
        self._player.play()

    def pause(self) -> None:
        self._player.set_pause(1)

    def stop(self) -> None:
        self._player.stop()

    def set_volume(self, volume: int) -> None:
        self._player.audio_set_volume(max(0, min(100, int(volume))))

    def set_muted(self, muted: bool) -> None:
        self._player.audio_set_mute(bool(muted))

    def now_playing(self) -> str:
        if self._media is None:
            return ""
        return self._media.get_meta(vlc.Meta.NowPlaying) or ""

    def audio_progress(self) -> int:
        if self._media is None:
            return 0
        stats = vlc.MediaStats()
        if not self._media.get_stats(stats):
            return 0
        return int(stats.decoded_audio)

    def position_s(self) -> float:
        return max(0, self._player.get_time()) / 1000.0

    def duration_s(self) -> float:
        return max(0, self._player.get_length()) / 1000.0

    def seekable(self) -> bool:
        return bool(self._player.is_seekable())

    def seek(self, seconds: float) -> None:
        self._player.set_time(int(max(0.0, seconds) * 1000))

    def shutdown(self) -> None:
        if self._player is None:
            return
        self.set_listener(None)
        self._release_media()
        self._player.release()
        self._instance.release()
        self._player = None
        self._instance = None


def make_backend(audio_file: str | None) -> VlcBackend:
    """The real backend; `audio_file` (ONAIR_AUDIO_FILE) writes all audio to that WAV."""
    return VlcBackend(audio_file)
