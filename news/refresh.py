"""When to ask the news sources again: pure, the clock is passed in (aware instants).

The newscast (NPR News Now) is national and hourly: a new one is published about ten
minutes after each hour. So the controller fetches it once at start, then not until a
minute after the latest time past the hour at which the recent newscasts appeared
(`after_hour_s`, 10 minutes, until some have been seen; kept within 5-30 minutes) past
the next UTC hour; if the feed's latest item is not yet that hour's, it asks again after
2, 4, 8, 16, then every 30 minutes until it is. About
one request an hour, where polling every ten minutes made six. Every check revalidates
(ETag / Last-Modified), so an unchanged feed answers 304.

A station's stories are fetched on a switch, then again two hours after the last fetch;
each refresh that brings no newer story doubles the wait (4, then 8 hours at most), and a
newer story brings it back to two hours: a newsroom quiet at night is asked twice a night.
After a failure (the stale copy served) it retries in 2, 10, then every 30 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class NewscastPolicy:
    after_hour_s: float = 10 * 60  # the check past the UTC hour, until newscasts were seen
    early_s: float = 5 * 60  # an item this early (clock skew) still counts as the hour's
    backoff_s: tuple[float, ...] = (120, 240, 480, 960, 1800)
    learned_s: tuple[float, float] = (5 * 60, 30 * 60)  # the learned check stays within
    margin_s: float = 60  # checked this long after the latest recent publication
    remember: int = 12  # recent newscasts whose minute past the hour is kept


@dataclass(frozen=True)
class NewscastState:
    """What the controller knows about its newscast checks."""

    latest: datetime | None = None  # published time of the newest newscast seen
    attempted_at: datetime | None = None  # last check, good or not
    misses: int = 0  # consecutive checks after which the newscast was still not current
    past_hour_s: tuple[float, ...] = ()  # when recent newscasts appeared, s past their hour

    def checked(self, at: datetime, published: datetime | None,
                policy: NewscastPolicy = NewscastPolicy()) -> NewscastState:
        """A check at `at` found a newscast published at `published` (None: undated)."""
        latest, seen = self.latest, self.past_hour_s
        if published is not None and (latest is None or published > latest):
            latest = published
            offset = (published - published.replace(minute=0, second=0, microsecond=0)
                      ).total_seconds()
            if offset <= policy.learned_s[1]:
                seen = (*seen, offset)[-policy.remember:]
        state = NewscastState(latest, at, self.misses, seen)
        current = is_current(latest, at, policy, state.due_shift_s(policy))
        return NewscastState(latest, at, 0 if current else self.misses + 1, seen)

    def failed(self, at: datetime) -> NewscastState:
        return NewscastState(self.latest, at, self.misses + 1, self.past_hour_s)

    def check_past_hour_s(self, policy: NewscastPolicy = NewscastPolicy()) -> float:
        """How long past the hour to ask: just after the latest recent publication."""
        if not self.past_hour_s:
            return policy.after_hour_s
        low, high = policy.learned_s
        return min(high, max(low, max(self.past_hour_s) + policy.margin_s))

    def due_shift_s(self, policy: NewscastPolicy = NewscastPolicy()) -> float:
        """How long past its hour a newscast is due: never later than the check (a check
        before `after_hour_s` would otherwise be counted for the previous hour, and asked
        again at once)."""
        return min(policy.after_hour_s, self.check_past_hour_s(policy))


def due_hour(at: datetime, policy: NewscastPolicy = NewscastPolicy(),
             shift_s: float | None = None) -> datetime:
    """The UTC hour whose newscast should be out at `at` (due `shift_s` past it)."""
    shift = policy.after_hour_s if shift_s is None else shift_s
    shifted = at.astimezone(UTC) - timedelta(seconds=shift)
    return shifted.replace(minute=0, second=0, microsecond=0)


def is_current(latest: datetime | None, at: datetime,
               policy: NewscastPolicy = NewscastPolicy(),
               shift_s: float | None = None) -> bool:
    """Whether a newscast published at `latest` is the one that should be out at `at`."""
    if latest is None:
        return False
    return latest >= due_hour(at, policy, shift_s) - timedelta(seconds=policy.early_s)


def next_newscast_check(state: NewscastState, policy: NewscastPolicy = NewscastPolicy()
                        ) -> datetime:
    """When to ask the newscast feed next (EPOCH: now)."""
    if state.attempted_at is None:
        return EPOCH
    if state.misses == 0:
        return (due_hour(state.attempted_at, policy, state.due_shift_s(policy)) + HOUR
                + timedelta(seconds=state.check_past_hour_s(policy)))
    step = policy.backoff_s[min(state.misses, len(policy.backoff_s)) - 1]
    return state.attempted_at + timedelta(seconds=step)


def newscast_due(state: NewscastState, now: datetime,
                 policy: NewscastPolicy = NewscastPolicy()) -> bool:
    return now >= next_newscast_check(state, policy)


@dataclass(frozen=True)
class StoriesPolicy:
    interval_s: float = 2 * 3600  # after a fetch that brought a newer story (or a switch)
    max_interval_s: float = 8 * 3600  # the wait doubles up to this while nothing is new
    retry_s: tuple[float, ...] = (120, 600, 1800)  # after failures (a stale copy is one)


@dataclass(frozen=True)
class StoriesState:
    """The selected station's story fetches (a switch starts a new state)."""

    attempted_at: datetime | None = None
    newest: datetime | None = None  # published time of the newest story seen
    quiet: int = 0  # consecutive refreshes that brought nothing newer
    failures: int = 0  # consecutive failed fetches

    def checked(self, at: datetime, newest: datetime | None) -> StoriesState:
        if self.attempted_at is None or (
                newest is not None and (self.newest is None or newest > self.newest)):
            return StoriesState(at, newest if newest is not None else self.newest, 0, 0)
        return StoriesState(at, self.newest, self.quiet + 1, 0)

    def failed(self, at: datetime) -> StoriesState:
        return StoriesState(at, self.newest, self.quiet, self.failures + 1)


def next_stories_check(state: StoriesState, policy: StoriesPolicy = StoriesPolicy()
                       ) -> datetime:
    """When to refresh the stories next (EPOCH: now)."""
    if state.attempted_at is None:
        return EPOCH
    if state.failures:
        wait = policy.retry_s[min(state.failures, len(policy.retry_s)) - 1]
    else:
        wait = min(policy.interval_s * 2 ** min(state.quiet, 16), policy.max_interval_s)
    return state.attempted_at + timedelta(seconds=wait)


def stories_due(state: StoriesState, now: datetime,
                policy: StoriesPolicy = StoriesPolicy()) -> bool:
    return now >= next_stories_check(state, policy)
