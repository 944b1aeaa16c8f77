"""Run blocking work off the Kivy thread and deliver the result back on it.

The one way back to the UI thread for HTTP and other slow work (libvlc events
have their own hop in the backend). `run_async` never raises into the caller:
the worker's return value goes to `on_done`, an exception to `on_error`, both
called on the Kivy thread through `Clock.schedule_once`. A `Task` can be
cancelled: its callbacks are then dropped (the worker itself runs to its own
deadline, which every network call has).

Tasks run on at most MAX_WORKERS threads: more at once only take the GIL from
the Kivy thread (one thread per task doubled the longest frame gap of 20 quick
switches). The workers are daemon threads, so a request still waiting on a hung
server never keeps the process alive after the window is closed
(concurrent.futures' pool joins its threads at exit: quitting waited for the
read timeout).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

MAX_WORKERS = 4


class _Workers:
    """Up to MAX_WORKERS daemon threads, started as jobs arrive, taking jobs in order."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._started = 0

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)
        with self._lock:
            if self._started >= MAX_WORKERS:
                return
            self._started += 1
        threading.Thread(target=self._work, name="onair-io", daemon=True).start()

    def _work(self) -> None:
        while True:
            self._jobs.get()()  # a job never raises: run_async's job catches everything


_workers = _Workers()


class Task:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def run_async(
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
) -> Task:
    task = Task()

    def deliver(cb: Callable[[Any], None], value: Any) -> None:
        def _call(_dt: float) -> None:
            if not task.cancelled:
                cb(value)

        Clock.schedule_once(_call, 0)

    def job() -> None:
        try:
            result = work()
        except BaseException as exc:  # noqa: BLE001 - delivered to on_error
            if on_error is not None:
                deliver(on_error, exc)
            return
        deliver(on_done, result)

    _workers.submit(job)
    return task
