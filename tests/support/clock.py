"""A clock the test moves by hand: call it for the instant, set or add to `.now`."""

from __future__ import annotations

from datetime import datetime


class ManualClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
