"""The task runner: interactive work never waits behind background work, cancelled work never
runs, and the threads stay bounded. Results are delivered through a queue standing in for
the UI thread's clock (the runner takes `deliver`)."""

from __future__ import annotations

import queue
import threading

from infra.tasks import TaskRunner
from tests.support.wait import wait_until


def make_runner(**kwargs) -> tuple[TaskRunner, queue.SimpleQueue]:
    calls: queue.SimpleQueue = queue.SimpleQueue()
    return TaskRunner(deliver=calls.put, **kwargs), calls


def drain(calls: queue.SimpleQueue) -> None:
    while not calls.empty():
        calls.get()()


def test_result_and_error_are_delivered_through_deliver() -> None:
    runner, calls = make_runner()
    got: list = []
    runner.interactive(lambda: 42, got.append)
    runner.background(lambda: 1 / 0, got.append, lambda err: got.append(type(err).__name__))
    assert wait_until(lambda: calls.qsize() == 2, 5.0)
    assert got == []  # nothing runs on the worker's thread
    drain(calls)
    assert sorted(map(str, got)) == ["42", "ZeroDivisionError"]
    runner.shutdown()


def test_an_error_without_on_error_is_logged_with_its_traceback(caplog) -> None:
    runner, calls = make_runner()

    def broken() -> None:
        raise KeyError("the missing field")

    with caplog.at_level("ERROR", logger="infra.tasks"):
        runner.background(broken, lambda _r: None)
        assert wait_until(lambda: any(r.exc_info for r in caplog.records), 5.0)
    record = next(r for r in caplog.records if r.exc_info)
    assert "broken" in record.getMessage()
    assert record.exc_info[0] is KeyError
    runner.shutdown()


def test_interactive_work_runs_while_every_background_worker_hangs() -> None:
    runner, calls = make_runner(background_workers=2)
    release = threading.Event()
    for _ in range(6):
        runner.background(release.wait, lambda _r: None)
    done = threading.Event()
    runner.interactive(done.set, lambda _r: None)
    assert done.wait(2.0), "interactive work waited behind hung background work"
    assert runner.busy("background") == 2  # the lane's bound holds
    release.set()
    runner.shutdown()


def test_a_task_cancelled_before_it_starts_never_runs() -> None:
    runner, calls = make_runner(interactive_workers=1)
    release = threading.Event()
    ran: list[str] = []
    runner.interactive(release.wait, lambda _r: None)
    doomed = runner.interactive(lambda: ran.append("doomed"), lambda _r: None)
    runner.interactive(lambda: ran.append("kept"), lambda _r: None)
    doomed.cancel()
    release.set()
    assert wait_until(lambda: ran == ["kept"], 5.0)
    runner.shutdown()


def test_a_superseded_running_task_frees_its_slot_and_its_result_is_dropped() -> None:
    runner, calls = make_runner(interactive_workers=1)
    release = threading.Event()
    got: list = []
    stuck = runner.interactive(lambda: release.wait() and "old", got.append)
    assert wait_until(lambda: stuck.started, 5.0)
    stuck.cancel()  # the listener switched again: the next switch must not wait for it
    runner.interactive(lambda: "new", got.append)
    assert wait_until(lambda: calls.qsize() == 1, 5.0)
    drain(calls)
    assert got == ["new"]
    release.set()
    assert wait_until(lambda: runner.busy("interactive") == 0, 5.0)
    drain(calls)
    assert got == ["new"]
    runner.shutdown()


def test_threads_stay_bounded_under_a_burst() -> None:
    before = threading.active_count()
    runner, calls = make_runner(interactive_workers=2, background_workers=2)
    release = threading.Event()
    tasks = [runner.background(release.wait, lambda _r: None) for _ in range(50)]
    tasks += [runner.interactive(release.wait, lambda _r: None) for _ in range(50)]
    for task in tasks[:10]:
        task.cancel()
    assert wait_until(lambda: runner.busy("interactive") == 2, 5.0)
    assert threading.active_count() - before <= 8
    release.set()
    runner.shutdown()


def test_nothing_is_delivered_after_shutdown() -> None:
    runner, calls = make_runner(background_workers=1)
    release = threading.Event()
    got: list = []
    running = runner.background(lambda: release.wait() and 1, got.append)
    queued = runner.background(lambda: got.append("queued ran"), got.append)
    assert wait_until(lambda: running.started, 5.0)
    runner.shutdown()
    release.set()
    assert wait_until(lambda: calls.qsize() == 1, 5.0)
    drain(calls)
    assert got == [] and not queued.started
