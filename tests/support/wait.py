"""Wait on a condition with a deadline (never a fixed sleep before an assertion)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(cond: Callable[[], object], timeout: float, what: str = "condition", *,
               step: Callable[[], object] | None = None, interval: float = 0.01) -> bool:
    """Call `step` (e.g. Clock.tick) then `cond` until it is truthy; True, or AssertionError
    naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if step is not None:
            step()
        if cond():
            return True
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        if interval:
            time.sleep(interval)
