"""Run blocking work off the Kivy thread and deliver the result back on it.

The one way back to the UI thread for HTTP and other slow work (libvlc events
have their own hop in the backend). `run_async` never raises into the caller:
the worker's return value goes to `on_done`, an exception to `on_error`, both
called on the Kivy thread through `Clock.schedule_once`. A `Task` can be
cancelled: its callbacks are then dropped (the worker itself runs to its own
deadline, which every network call has).

Each task runs on its own daemon thread: tasks are few (a handful per station
switch) and each ends by its network deadline, and a request still waiting on a
hung server never keeps the process alive after the window is closed
(concurrent.futures' pool joins its threads at exit: quitting waited for the
read timeout).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock


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

    threading.Thread(target=job, name="onair-io", daemon=True).start()
    return task
