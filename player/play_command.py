"""`onair play STATION|URL [--seconds N]`: headless playback with a status line.

Runs the player controller on the Kivy clock without a window (`Clock.tick()` in a
loop) and prints one line per state change and per stream title:

    [00:00.0] connecting KCUR 89.3
    [00:00.7] playing
    [00:02.1] title: Artist - Song

Exit: 0 after `seconds` of audio (or on Ctrl-C), 2 on a bad URL or unknown station
(BadInput, raised before anything plays), 3 when the stream cannot be reached
after a short retry budget (SourceUnavailable).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

from infra.errors import BadInput, SourceUnavailable
from infra.urls import check_stream_url, one_line
from player.controller import PlayerController, playlist_resolver
from player.recovery import CLI_POLICY
from player.stations import Catalogue, Station, Stream

if TYPE_CHECKING:
    from infra.http import HttpClient

CLI_STALL_S = 5.0


def looks_like_url(target: str) -> bool:
    return "://" in target or "/" in target or target[:1] in (":", "-")


def station_for(catalogue: Catalogue, target: str) -> Station:
    """The catalogue station named `target`, or an ad-hoc station for a URL (BadInput if bad)."""
    if not looks_like_url(target):
        return catalogue.get(target)
    url = check_stream_url(target)
    return Station(id="url", name=one_line(url), tagline="", city="", timezone="UTC",
                   homepage=None, logo=None, streams=(Stream(url),), schedule=None,
                   news_feed=None)


class StatusPrinter:
    """Prints the controller's state changes and titles as timestamped lines."""

    def __init__(self, ctl: PlayerController, out: TextIO) -> None:
        self._ctl, self._out = ctl, out
        self._t0 = time.monotonic()
        ctl.bind(state=self._on_state, now_playing=self._on_title)

    def line(self, text: str) -> None:
        t = time.monotonic() - self._t0
        self._out.write(f"[{int(t // 60):02d}:{t % 60:04.1f}] {text}\n")
        self._out.flush()

    def _on_state(self, ctl: PlayerController, state: str) -> None:
        if state == "connecting":
            self.line(f"connecting {ctl.station.name}")
        elif state == "reconnecting" and ctl.retry_in_s:
            self.line(f"reconnecting in {ctl.retry_in_s:.1f} s")
        elif state == "error":
            self.line(f"error: {ctl.error}")
        else:
            self.line(state)

    def _on_title(self, _ctl: PlayerController, title: str) -> None:
        if title:
            self.line(f"title: {title}")


def cmd_play(catalogue: Catalogue, http: HttpClient, target: str, *, seconds: float | None,
             audio_file: str | None, out: TextIO | None = None) -> int:
    from kivy.clock import Clock

    from player.vlc_backend import make_backend

    if seconds is not None and not seconds > 0:
        raise BadInput(f"--seconds must be a positive number of seconds, got {seconds}")
    station = station_for(catalogue, target)
    ctl = PlayerController(make_backend(audio_file), playlist_resolver(http.fetch_head),
                           policy=CLI_POLICY, stall_s=CLI_STALL_S)
    printer = StatusPrinter(ctl, out or sys.stdout)
    played = 0.0
    last = time.monotonic()
    try:
        ctl.play(station)
        while seconds is None or played < seconds:
            Clock.tick()
            now = time.monotonic()
            if ctl.state == "playing":
                played += now - last
            last = now
            if ctl.state == "error":
                raise SourceUnavailable(ctl.error)
        printer.line(f"stopped after {played:.1f} s of audio")
        return 0
    except KeyboardInterrupt:
        printer.line("stopped")
        return 0
    finally:
        ctl.shutdown()
