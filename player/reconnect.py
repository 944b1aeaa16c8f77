"""One play session's way to audio and back: which URL to try next, when, and why the last
one failed. The player controller makes one `Reconnect` per `play` and drops it
(`cancel()`) when the listener stops, pauses or switches; a cancelled one does nothing more.

It runs on the Kivy thread. Lookups run on the task runner's interactive lane: the next
mirror (`Mirrors.pull`, at most one at a time; only when the URLs found so far have all
been tried, and while they keep being retried) and the reason of a failure
(`describe(url)`, at most one every DESCRIBE_EVERY_S, always the first after audio). Waits
are Kivy clock events; the policy (player.recovery) says how long, and when a first
connection gives up.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

from kivy.clock import Clock

from infra.errors import OnAirError
from infra.tasks import Task, TaskRunner
from player.mirrors import Mirrors
from player.recovery import Recovery, explain

DESCRIBE_EVERY_S = 3.0


class Host(Protocol):
    """What a Reconnect drives: the player controller's state and its backend."""

    state: str
    reason: str
    retry_in_s: float

    def try_url(self, url: str) -> None:
        """Open `url` and play it: one try, ended by audio or by `Reconnect.lost`."""

    def trying(self) -> bool:
        """A try is open right now."""

    def fail(self, message: str) -> None:
        """Give up: the error state with a one-line message."""


class Reconnect:
    def __init__(self, host: Host, mirrors: Mirrors, recovery: Recovery, *, name: str,
                 tasks: TaskRunner, clock: Callable[[], float],
                 describe: Callable[[str], str]) -> None:
        self._host = host
        self.mirrors = mirrors
        self.recovery = recovery
        self._name = name  # starts error messages: the station, or "The recording"
        self._tasks = tasks
        self._clock = clock
        self._describe = describe
        self._cancelled = False
        self._finding: Task | None = None
        self._describing: Task | None = None
        self._described_at = -math.inf
        self._giving_up: Task | None = None
        self._retry_event = None
        self._retry_at = 0.0

    # -- driven by the controller ----------------------------------------
    def start(self) -> None:
        """The first try: the first URL already known, or the first mirror that resolves."""
        if self.mirrors.urls:
            self._host.try_url(self.mirrors.step())
        else:
            self._find_more()

    def audio(self, now: float) -> None:
        """Audio is decoded: the next failure is an outage, described at once."""
        self.recovery.audio(now)
        self._described_at = -math.inf

    def lost(self, why: str) -> None:
        """The try failed (`why`: a few words from the backend event or the watchdog)."""
        self.recovery.failed(why)
        if not self._host.reason:
            self._host.reason = why  # until the failure is described
        self._describe_soon(self.mirrors.current)
        if self.mirrors.at_end():
            self._find_more()  # in parallel with retrying the URLs already known
        self._schedule()

    def retry_now(self) -> None:
        """Cut a wait short: the next try starts now."""
        if self._retry_event is not None:
            self._retry_event.cancel()
            self._retry(0)

    @property
    def waiting(self) -> bool:
        return self._retry_event is not None

    def remaining_s(self) -> float:
        """Seconds left of the current wait (0 when none)."""
        return max(0.0, self._retry_at - self._clock()) if self.waiting else 0.0

    def cancel(self) -> None:
        """Drop everything pending; later results of running lookups are ignored."""
        self._cancelled = True
        for task in (self._finding, self._describing, self._giving_up):
            if task is not None:
                task.cancel()
        self._cancel_wait()

    # -- mirrors -----------------------------------------------------------
    def _find_more(self) -> None:
        if self._finding is not None or self.mirrors.done:
            return
        self._finding = self._tasks.interactive(self.mirrors.pull, self._found,
                                                self._find_failed)

    def _idle(self) -> bool:
        """Nothing open, no wait, not giving up: a lookup decides what comes next."""
        return not (self._host.trying() or self.waiting or self._giving_up is not None)

    def _found(self, url: str | None) -> None:
        if self._cancelled:
            return
        self._finding = None
        if url is None:
            self.mirrors.done = True
            if not self.mirrors.urls:
                self._host.fail(f"{self._name}: no stream to play")
            elif self._idle():
                self._schedule()
            return
        self.mirrors.add(url)
        if self._idle() or self.waiting:  # a mirror not tried yet is tried at once
            self._cancel_wait()
            self._host.try_url(self.mirrors.jump(len(self.mirrors.urls) - 1))

    def _find_failed(self, err: BaseException) -> None:
        if self._cancelled:
            return
        self._finding = None
        self.mirrors.done = True
        if not self.mirrors.urls:
            why = err if isinstance(err, OnAirError) else f"{err.__class__.__name__}: {err}"
            self._host.fail(f"{self._name}: {why}")
        elif self._idle():
            self._schedule()

    # -- waiting -----------------------------------------------------------
    def _schedule(self) -> None:
        """Wait per the policy, then try the next URL; or give up on a first connection."""
        delay = self.recovery.delay(self._clock())
        if delay is None:
            if self.mirrors.untried():
                delay = self.recovery.policy.delay(self.recovery.tries)
            elif not self.mirrors.done:
                self._host.state = "reconnecting"  # the next mirror's lookup decides
                self._find_more()
                return
            else:
                self._give_up()
                return
        self._retry_at = self._clock() + delay
        self._host.retry_in_s = delay
        self._host.state = "reconnecting"
        self._retry_event = Clock.schedule_once(self._retry, delay)

    def _cancel_wait(self) -> None:
        if self._retry_event is not None:
            self._retry_event.cancel()
            self._retry_event = None
            self._host.retry_in_s = 0

    def _retry(self, _dt: float) -> None:
        self._retry_event = None
        self._host.retry_in_s = 0
        if not self._cancelled and self._host.state == "reconnecting":
            self._host.try_url(self.mirrors.step())

    # -- reasons -------------------------------------------------------------
    def _describe_soon(self, url: str) -> None:
        now = self._clock()
        if not url or self._describing is not None \
                or now - self._described_at < DESCRIBE_EVERY_S:
            return
        self._described_at = now
        self._describing = self._tasks.interactive(lambda: self._describe(url), self._described,
                                                   lambda _err: self._described(""))

    def _described(self, why: str) -> None:
        if self._cancelled:
            return
        self._describing = None
        if why and self._host.state == "reconnecting":
            self._host.reason = explain(why, heard=self.recovery.heard)

    def _give_up(self) -> None:
        tries = self.recovery.tries
        fallback = self._host.reason

        def done(why: str) -> None:
            if not self._cancelled:
                self._giving_up = None
                self._host.fail(f"{self._name}: the stream could not be reached ({why}) "
                                f"after {tries} tries")

        self._host.state = "reconnecting"
        self._host.retry_in_s = 0
        url = self.mirrors.current
        self._giving_up = self._tasks.interactive(lambda: self._describe(url), done,
                                                  lambda _err: done(fallback))
