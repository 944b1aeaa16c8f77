"""`onair play STATION|URL [--seconds N]`: headless playback with a status line.

Runs the player controller on the Kivy clock without a window (`Clock.tick()` in a
loop) and prints one line per state change, per stream title and per change of the
reason or the wait while reconnecting:

    [00:00.0] connecting KCUR 89.3
    [00:00.7] playing
    [00:02.1] title: Artist - Song
    [01:10.4] reconnecting in 1 s: the stream ended
    [01:10.5] reconnecting in 1 s: connection refused
    [01:31.9] playing

Once the station has played, drops and outages are retried for as long as it runs
(the GUI's outage policy). Exit: 0 after `seconds` of audio (or on Ctrl-C), 2 on a bad
URL or unknown station (BadInput, raised before anything plays), 3 when the first
connection fails after a short retry budget (SourceUnavailable).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from infra.errors import BadInput, SourceUnavailable
from infra.urls import check_stream_url, one_line
from player.controller import PlayerController
from player.recovery import CLI_POLICY
from player.states import reconnect_words
from player.stations import Catalogue, Station, Stream

CLI_STALL_S = 5.0
# The headless loop runs only the player's watchdog (10 Hz) and a few 1 s timers; Kivy's
# default 60 loops a second cost a headless player twice its CPU (bench/play_cost.py).
HEADLESS_FPS = 20


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
    """Prints the controller's state changes and titles as timestamped lines; while
    reconnecting, a line when a wait starts or the reason changes, unless it reads as the
    line before (probes a second apart print once)."""

    def __init__(self, ctl: PlayerController, out: TextIO) -> None:
        self._ctl, self._out = ctl, out
        self._t0 = time.monotonic()
        self._wait_line = ""
        self._retry_in = 0.0
        ctl.bind(state=self._on_state, now_playing=self._on_title, reason=self._on_wait,
                 retry_in_s=self._on_retry_in)

    def line(self, text: str) -> None:
        t = time.monotonic() - self._t0
        self._out.write(f"[{int(t // 60):02d}:{t % 60:04.1f}] {text}\n")
        self._out.flush()

    def _on_state(self, ctl: PlayerController, state: str) -> None:
        if state == "reconnecting":
            self._on_wait()
            return
        self._wait_line = ""
        if state == "connecting":
            self.line(f"connecting {ctl.station.name}")
        elif state == "error":
            self.line(f"error: {ctl.error}")
        else:
            self.line(state)

    def _on_retry_in(self, _ctl: PlayerController, value: float) -> None:
        started = value > self._retry_in  # a new wait (the countdown only goes down)
        self._retry_in = value
        if started:
            self._on_wait()

    def _on_wait(self, *_args: object) -> None:
        ctl = self._ctl
        if ctl.state != "reconnecting" or ctl.retry_in_s <= 0:
            return
        text = reconnect_words(ctl.retry_in_s, ctl.reason)
        if text != self._wait_line:
            self._wait_line = text
            self.line(text)

    def _on_title(self, _ctl: PlayerController, title: str) -> None:
        if title:
            self.line(f"title: {title}")


def cmd_play(catalogue: Catalogue, make_player: Callable[..., PlayerController], target: str, *,
             seconds: float | None, out: TextIO | None = None) -> int:
    """`make_player(**options)` builds the player (services.py's Services.player), after the
    target is checked: a bad URL or station loads no libvlc."""
    from kivy.clock import Clock

    Clock._max_fps = float(HEADLESS_FPS)  # set here: kivy may be imported already (no env)
    if seconds is not None and not seconds > 0:
        raise BadInput(f"--seconds must be a positive number of seconds, got {seconds}")
    station = station_for(catalogue, target)
    options: dict[str, Any] = {"policy": CLI_POLICY, "stall_s": CLI_STALL_S}
    ctl = make_player(**options)
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
