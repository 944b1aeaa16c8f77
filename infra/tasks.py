"""Run blocking work off the UI thread, in two lanes, and deliver the result back on it.

`TaskRunner` is built once (services.py) and handed to every controller. It has two lanes:

- **interactive**: what the listener is waiting for (a stream to resolve for a switch, the
  image of the story they opened, a search they typed). It has its own workers, so it
  never queues behind background work.
- **background**: everything else: the guide and stories of the station switched to
  (submitted `first`, ahead of what is queued), refreshes, the roster, the newscast,
  prefetch, images off screen. A metadata server that hangs ties up only this lane.

`submit` never raises into the caller: the worker's return value goes to `on_done`, an
exception to `on_error`, both called on the UI thread through `deliver` (Kivy's
`Clock.schedule_once` by default); an exception with no `on_error` is logged with its
traceback, never dropped. A `Task` can be cancelled: a task cancelled before it
starts never runs, and one cancelled while running has its callbacks dropped (its work runs
to its own deadline, which every network call has).

Workers are daemon threads started as work arrives, so quitting never waits for a request to
a hung server. Each lane runs at most `workers` live tasks at once (more threads only take
the GIL from the UI thread); a task that was cancelled while running no longer counts, so a
superseded switch stuck on a hung server cannot hold the lane. A hard cap bounds the threads
that such abandoned tasks can keep busy.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, Literal

_log = logging.getLogger(__name__)

Lane = Literal["interactive", "background"]
IDLE_EXIT_S = 30.0
Deliver = Callable[[Callable[[], None]], None]


def kivy_deliver(call: Callable[[], None]) -> None:
    """Run `call` on the Kivy thread at the next frame."""
    from kivy.clock import Clock

    Clock.schedule_once(lambda _dt: call(), 0)


class Task:
    """A handle on submitted work: `cancel()` drops it (and its callbacks)."""

    __slots__ = ("cancelled", "started", "lane", "_on_cancel")

    def __init__(self, lane: Lane, on_cancel: Callable[[], None] | None = None) -> None:
        self.cancelled = False
        self.started = False
        self.lane = lane
        self._on_cancel = on_cancel

    def cancel(self) -> None:
        if self.cancelled:
            return
        self.cancelled = True
        if self.started and self._on_cancel is not None:
            self._on_cancel()  # a running task no longer holds its lane's slot


class _Lane:
    """Daemon workers taking jobs in order, at most `workers` live tasks at once."""

    def __init__(self, name: str, workers: int, hard_cap: int) -> None:
        self.name = name
        self.workers = workers
        self.hard_cap = hard_cap
        self._jobs: deque[tuple[Task, Callable[[], None]]] = deque()
        self._cond = threading.Condition()
        self._threads = 0
        self._idle = 0
        self._running: list[Task] = []
        self._closed = False

    def submit(self, task: Task, job: Callable[[], None], *, first: bool = False) -> None:
        with self._cond:
            if self._closed:
                return
            if first:
                self._jobs.appendleft((task, job))
            else:
                self._jobs.append((task, job))
            self._wake()

    def slot_freed(self) -> None:
        with self._cond:
            self._wake()

    def _wake(self) -> None:
        """Under the lock: an idle worker takes the next job, or a new one starts for it."""
        runnable = min(len(self._jobs), self.workers - self._live())
        if runnable <= 0:
            return
        if self._idle > 0:
            self._cond.notify_all()
        for _ in range(min(runnable - self._idle, self.hard_cap - self._threads)):
            self._threads += 1
            threading.Thread(target=self._work, name=f"onair-{self.name}", daemon=True).start()

    def _live(self) -> int:
        return sum(1 for t in self._running if not t.cancelled)

    def _next(self) -> tuple[Task, Callable[[], None]] | None:
        """The next job to run, waiting for one; None when the lane closes."""
        with self._cond:
            while True:
                while self._jobs and self._jobs[0][0].cancelled:
                    self._jobs.popleft()  # cancelled before it started: never runs
                if self._closed:
                    self._threads -= 1
                    return None
                if self._jobs and self._live() < self.workers:
                    task, job = self._jobs.popleft()
                    task.started = True
                    self._running.append(task)
                    return task, job
                self._idle += 1
                woken = self._cond.wait(timeout=IDLE_EXIT_S)
                self._idle -= 1
                if not woken and not self._jobs:
                    self._threads -= 1  # idle for long: the thread ends, a new job starts one
                    return None

    def _work(self) -> None:
        while (item := self._next()) is not None:
            task, job = item
            try:
                job()  # never raises: TaskRunner's job catches everything
            finally:
                with self._cond:
                    self._running.remove(task)
                    self._wake()

    def busy(self) -> int:
        with self._cond:
            return len(self._running)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._jobs.clear()
            self._cond.notify_all()


class TaskRunner:
    """The app's one task runner (see the module docstring)."""

    def __init__(self, *, interactive_workers: int = 2, background_workers: int = 2,
                 deliver: Deliver = kivy_deliver) -> None:
        self._deliver = deliver
        self._closed = False
        self._lanes: dict[str, _Lane] = {
            "interactive": _Lane("interactive", interactive_workers, interactive_workers + 2),
            "background": _Lane("background", background_workers, background_workers + 2),
        }

    def submit(self, lane: Lane, work: Callable[[], Any], on_done: Callable[[Any], None],
               on_error: Callable[[BaseException], None] | None = None, *,
               first: bool = False) -> Task:
        """Run `work()` on `lane` (`first`: ahead of the lane's queued work); `on_done(result)`
        or `on_error(exc)` on the UI thread."""
        chosen = self._lanes[lane]
        task = Task(lane, chosen.slot_freed)

        def deliver(cb: Callable[[Any], None], value: Any) -> None:
            def call() -> None:
                if not task.cancelled and not self._closed:
                    cb(value)

            self._deliver(call)

        def job() -> None:
            if task.cancelled:
                return
            try:
                result = work()
            except BaseException as exc:  # noqa: BLE001 - delivered to on_error or logged
                if on_error is not None:
                    deliver(on_error, exc)
                elif not task.cancelled:
                    _log.error("%s task %s failed", lane, getattr(work, "__qualname__", work),
                               exc_info=exc)
                return
            deliver(on_done, result)

        chosen.submit(task, job, first=first)
        return task

    def interactive(self, work: Callable[[], Any], on_done: Callable[[Any], None],
                    on_error: Callable[[BaseException], None] | None = None) -> Task:
        """Work the listener is waiting for."""
        return self.submit("interactive", work, on_done, on_error)

    def background(self, work: Callable[[], Any], on_done: Callable[[Any], None],
                   on_error: Callable[[BaseException], None] | None = None, *,
                   first: bool = False) -> Task:
        """Work nobody waits for: refreshes, prefetch, images off screen."""
        return self.submit("background", work, on_done, on_error, first=first)

    def busy(self, lane: Lane) -> int:
        """How many tasks of `lane` are running right now (for tests and benchmarks)."""
        return self._lanes[lane].busy()

    def shutdown(self) -> None:
        """Drop queued work; running work finishes on its daemon threads, undelivered."""
        self._closed = True
        for lane in self._lanes.values():
            lane.close()
