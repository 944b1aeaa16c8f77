"""The polite refresh policy for a station's program guide: pure, the clock is passed in.

Fetch the day once; revalidate (cheap with ETag/Last-Modified) a minute after a
program starts, but never more often than every 20 minutes and at least every 3
hours; fetch the new day a little after station-local midnight; after a failure
back off (2, 10, 20, 30 minutes). A web player polls /now every minute (60 requests
an hour); this makes about one request an hour on a typical schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RefreshPolicy:
    min_interval_s: float = 20 * 60
    max_interval_s: float = 3 * 3600
    after_boundary_s: float = 60
    after_midnight_s: float = 90
    backoff_s: tuple[float, ...] = (120, 600, 1200, 1800)


# The station list needs only each other station's on-now title, which the day's programs
# answer from the clock: no refresh at program boundaries, at least every 12 hours, the
# next day after station-local midnight, and after failures 10, 30, then 60 minutes.
ROSTER_POLICY = RefreshPolicy(max_interval_s=12 * 3600, backoff_s=(600, 1800, 3600))


@dataclass(frozen=True)
class GuideState:
    """What the guide knows about its last fetches (all instants aware)."""

    day: date | None = None  # station-local day the loaded programs are for
    checked_at: datetime | None = None  # last good fetch or revalidation
    attempted_at: datetime | None = None  # last attempt, good or not
    failures: int = 0  # consecutive failed attempts
    starts: tuple[datetime, ...] = field(default=())  # program start instants

    def succeeded(self, at: datetime, day: date, starts: tuple[datetime, ...]) -> GuideState:
        return GuideState(day, at, at, 0, tuple(sorted(starts)))

    def attempted(self, at: datetime) -> GuideState:
        return GuideState(self.day, self.checked_at, at, self.failures, self.starts)

    def failed(self, at: datetime) -> GuideState:
        return GuideState(self.day, self.checked_at, at, self.failures + 1, self.starts)


def next_refresh(state: GuideState, tz: ZoneInfo, policy: RefreshPolicy = RefreshPolicy()
                 ) -> datetime:
    """When the guide should next ask the source (EPOCH: now)."""
    if state.attempted_at is None:
        return EPOCH
    if state.failures or state.checked_at is None or state.day is None:
        step = policy.backoff_s[min(max(state.failures, 1), len(policy.backoff_s)) - 1]
        return state.attempted_at + timedelta(seconds=step)
    base = state.checked_at
    midnight = datetime.combine(state.day + timedelta(days=1), time(0), tz).astimezone(UTC)
    when = base + timedelta(seconds=policy.max_interval_s)
    boundary = next((s for s in state.starts if s > base), None)
    if boundary is not None:
        polite = base + timedelta(seconds=policy.min_interval_s)
        when = min(when, max(boundary + timedelta(seconds=policy.after_boundary_s), polite))
    return min(when, midnight + timedelta(seconds=policy.after_midnight_s))


def is_due(state: GuideState, now: datetime, tz: ZoneInfo,
           policy: RefreshPolicy = RefreshPolicy()) -> bool:
    return now >= next_refresh(state, tz, policy)
