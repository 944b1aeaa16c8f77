"""The news refresh policies (news/refresh.py), driven by a hand-moved clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from news.refresh import (
    EPOCH,
    NewscastPolicy,
    NewscastState,
    StoriesPolicy,
    StoriesState,
    due_hour,
    is_current,
    newscast_due,
    next_newscast_check,
    next_stories_check,
    stories_due,
)
from tests.support.clock import ManualClock

T0 = datetime(2024, 7, 23, 14, 30, tzinfo=UTC)


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2024, 7, 23, hour, minute, second, tzinfo=UTC)


def check_times(clock: ManualClock, state: NewscastState, published_at, until: datetime,
                step: timedelta = timedelta(seconds=10)) -> list[datetime]:
    """Run the policy like the controller's timer: every `step`, check when due; the feed's
    latest item at instant t is published_at(t)."""
    asked = []
    while clock.now < until:
        if newscast_due(state, clock.now):
            asked.append(clock.now)
            state = state.checked(clock.now, published_at(clock.now))
        clock.now += step
    return asked


def test_the_first_check_is_at_once() -> None:
    assert next_newscast_check(NewscastState()) == EPOCH
    assert newscast_due(NewscastState(), T0)


def test_a_current_newscast_is_next_asked_a_minute_after_its_minute_the_next_hour() -> None:
    state = NewscastState().checked(T0, at(14, 7))
    assert state.misses == 0 and state.latest == at(14, 7)
    assert next_newscast_check(state) == at(15, 8)
    assert not newscast_due(state, at(15, 7, 59))
    assert newscast_due(state, at(15, 8))


def test_before_ten_past_the_previous_hours_newscast_is_current() -> None:
    state = NewscastState().checked(at(14, 5), at(13, 8))
    assert state.misses == 0
    assert next_newscast_check(state) == at(14, 9)


def test_the_hour_is_utc_whatever_the_local_zone() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+5:30: its local hour is not the newscast's
    local = at(14, 30).astimezone(kolkata)
    assert due_hour(local) == at(14, 0)
    state = NewscastState().checked(local, at(14, 7))
    assert next_newscast_check(state) == at(15, 8)


def test_no_newer_item_backs_off_2_4_8_16_then_30_minutes() -> None:
    state = NewscastState().checked(at(14, 30), at(14, 9))
    waits = []
    now = next_newscast_check(state)
    assert now == at(15, 10)
    for _ in range(7):
        state = state.checked(now, at(14, 9))  # still the 14:09 newscast
        following = next_newscast_check(state)
        waits.append((following - now) / timedelta(minutes=1))
        now = following
    assert waits == [2, 4, 8, 16, 30, 30, 30]


def test_a_newer_item_ends_the_backoff() -> None:
    state = NewscastState().checked(at(14, 30), at(14, 9))
    state = state.checked(at(15, 10), at(14, 9))
    state = state.checked(at(15, 12), at(14, 9))
    assert state.misses == 2 and next_newscast_check(state) == at(15, 16)
    state = state.checked(at(15, 16), at(15, 13))
    assert state.misses == 0 and state.latest == at(15, 13)
    assert next_newscast_check(state) == at(16, 14)  # a minute after the later 15:13


def test_failures_back_off_like_misses_and_keep_the_latest() -> None:
    state = NewscastState().failed(T0)
    assert next_newscast_check(state) == T0 + timedelta(minutes=2)
    state = NewscastState().checked(T0, at(14, 7)).failed(at(15, 10))
    assert state.latest == at(14, 7) and next_newscast_check(state) == at(15, 12)


def test_an_older_or_undated_answer_never_moves_latest_back() -> None:
    state = NewscastState().checked(T0, at(14, 7))
    assert state.checked(at(15, 10), at(13, 7)).latest == at(14, 7)
    assert state.checked(at(15, 10), None).latest == at(14, 7)
    assert not is_current(None, T0)
    assert NewscastState().checked(T0, None).misses == 1


def test_an_item_a_little_before_the_hour_counts_as_that_hours() -> None:
    assert is_current(at(13, 57), at(14, 10))
    assert not is_current(at(13, 50), at(14, 10))


def test_a_day_with_the_newscast_out_at_9_to_12_past_is_checked_after_the_latest() -> None:
    minutes = {13: 9, 14: 9, 15: 9, 16: 12, 17: 8, 18: 11, 19: 9, 20: 9}  # out at HH:MM

    def published_at(t: datetime) -> datetime:
        out = [at(h, m) for h, m in minutes.items() if at(h, m) <= t]
        return out[-1]

    clock = ManualClock(at(14, 30))
    asked = check_times(clock, NewscastState(), published_at, at(20, 30))
    # :10 after the 14:09; 16:12 is late (one retry), then :13 for the hours after it
    assert asked == [at(14, 30), at(15, 10), at(16, 10), at(16, 12), at(17, 13),
                     at(18, 13), at(19, 13), at(20, 13)]


def test_a_sleeping_machine_checks_once_on_waking() -> None:
    state = NewscastState().checked(T0, at(14, 7))
    assert newscast_due(state, at(18, 45))  # overdue: asked at once
    state = state.checked(at(18, 45), at(18, 9))
    assert next_newscast_check(state) == at(19, 10)


def test_a_stuck_feed_is_asked_about_twice_an_hour() -> None:
    clock = ManualClock(at(14, 30))
    asked = check_times(clock, NewscastState(), lambda _t: at(11, 7), at(20, 30),
                        step=timedelta(minutes=1))
    assert 10 <= len(asked) <= 16  # six hours: 2, 4, 8, 16 minutes, then every 30


def test_stories_are_refreshed_every_two_hours_while_new_ones_come() -> None:
    policy = StoriesPolicy()
    state = StoriesState().checked(T0, at(14, 0))
    assert next_stories_check(state, policy) == T0 + timedelta(hours=2)
    state = state.checked(at(16, 30), at(16, 20))
    assert state.quiet == 0 and next_stories_check(state) == at(18, 30)


def test_quiet_feeds_are_asked_less_often_up_to_every_eight_hours() -> None:
    clock = ManualClock(at(14, 30))
    state = StoriesState().checked(clock.now, at(14, 0))
    asked = []
    while clock.now < at(14, 30) + timedelta(hours=40):
        clock.now += timedelta(minutes=1)
        if stories_due(state, clock.now):
            asked.append(clock.now)
            state = state.checked(clock.now, at(14, 0))  # nothing newer
    gaps = [(b - a) / timedelta(hours=1) for a, b in
            zip([at(14, 30), *asked[:-1]], asked, strict=True)]
    assert gaps == [2, 4, 8, 8, 8, 8]


def test_a_newer_story_brings_the_two_hour_refresh_back() -> None:
    state = StoriesState().checked(T0, at(14, 0)).checked(at(16, 30), at(14, 0))
    assert state.quiet == 1 and next_stories_check(state) == at(20, 30)
    state = state.checked(at(20, 30), at(20, 0))
    assert state.quiet == 0 and next_stories_check(state) == at(22, 30)


def test_failed_story_fetches_retry_in_2_10_then_30_minutes() -> None:
    state = StoriesState().failed(T0)
    assert next_stories_check(state) == T0 + timedelta(minutes=2)
    state = state.failed(T0)
    assert next_stories_check(state) == T0 + timedelta(minutes=10)
    state = state.failed(T0).failed(T0)
    assert next_stories_check(state) == T0 + timedelta(minutes=30)
    state = state.checked(at(15, 0), at(14, 50))
    assert state.failures == 0 and next_stories_check(state) == at(17, 0)


def test_policies_are_tunable() -> None:
    early = NewscastPolicy(after_hour_s=8 * 60)  # only until a newscast time is learned
    state = NewscastState().checked(at(14, 50), at(14, 45), early)  # too late to learn
    assert state.past_hour_s == () and next_newscast_check(state, early) == at(15, 8)
    wide = NewscastPolicy(margin_s=3 * 60)
    assert next_newscast_check(NewscastState().checked(T0, at(14, 7), wide), wide) == at(15, 10)
    narrow = NewscastPolicy(learned_s=(8 * 60, 20 * 60))
    state = NewscastState().checked(T0, at(14, 2), narrow)
    assert next_newscast_check(state, narrow) == at(15, 8)
    short = NewscastPolicy(remember=2)
    state = NewscastState()
    for hour, minute in ((12, 9), (13, 6), (14, 6)):
        state = state.checked(at(hour, 30), at(hour, minute), short)
    assert state.past_hour_s == (360, 360) and state.check_past_hour_s(short) == 7 * 60
    slow = StoriesPolicy(interval_s=3600, max_interval_s=3 * 3600)
    state = StoriesState().checked(T0, at(14, 0)).checked(at(15, 30), at(14, 0))
    assert next_stories_check(state, slow) == at(17, 30)


# -- the learned check time past the hour ---------------------------------------------------


def seen(*minutes: float, start: int = 8) -> NewscastState:
    """The state after one check per hour from `start`:30, each finding a newer newscast
    out `minutes` past that hour (floats: minutes and a fraction)."""
    state = NewscastState()
    for i, minute in enumerate(minutes):
        published = at(start + i, 0) + timedelta(minutes=minute)
        state = state.checked(at(start + i, 30), published)
    return state


def test_the_check_starts_at_ten_past_until_a_newscast_is_seen() -> None:
    state = NewscastState()
    assert state.past_hour_s == () and state.check_past_hour_s() == 10 * 60
    state = state.checked(T0, None)  # undated: nothing learned
    assert state.past_hour_s == () and state.check_past_hour_s() == 10 * 60
    state = state.failed(at(14, 32))
    assert state.past_hour_s == () and state.check_past_hour_s() == 10 * 60


def test_the_check_follows_the_latest_recent_minute_plus_one() -> None:
    assert seen(7).check_past_hour_s() == 8 * 60
    state = seen(7, 6, 9, 8)
    assert state.past_hour_s == (420, 360, 540, 480)
    assert state.check_past_hour_s() == 10 * 60  # the latest of them, 9 past, not the last
    assert next_newscast_check(state) == at(12, 10)
    assert seen(12, 7).check_past_hour_s() == 13 * 60  # a late one moves the check later
    assert seen(6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6).check_past_hour_s() == 7 * 60


def test_only_the_last_twelve_newscasts_are_remembered() -> None:
    state = seen(12, *[6] * 11)
    assert len(state.past_hour_s) == 12 and state.check_past_hour_s() == 13 * 60
    state = seen(12, *[6] * 12, start=0)  # the 12-past one is thirteen newscasts back
    assert len(state.past_hour_s) == 12 and state.check_past_hour_s() == 7 * 60


def test_only_a_newer_newscast_is_recorded() -> None:
    state = NewscastState().checked(T0, at(14, 7))
    again = state.checked(at(15, 10), at(14, 7)).checked(at(15, 12), at(14, 7))
    assert again.past_hour_s == (420,)
    assert state.checked(at(15, 10), at(13, 2)).past_hour_s == (420,)  # older: not learned
    assert state.checked(at(15, 10), None).past_hour_s == (420,)


def test_the_learned_check_is_kept_within_5_and_30_minutes() -> None:
    assert seen(2).check_past_hour_s() == 5 * 60
    assert seen(0).check_past_hour_s() == 5 * 60
    assert next_newscast_check(seen(2)) == at(9, 5)
    assert seen(29.5).check_past_hour_s() == 30 * 60
    assert seen(30).check_past_hour_s() == 30 * 60  # 30 past is still learned, and capped
    assert seen(29.5, 7).check_past_hour_s() == 30 * 60
    assert next_newscast_check(seen(29.5)) == at(9, 30)


def test_an_item_more_than_30_minutes_past_its_hour_is_not_learned() -> None:
    state = NewscastState().checked(at(14, 50), at(14, 45))
    assert state.latest == at(14, 45) and state.misses == 0  # still the hour's newscast
    assert state.past_hour_s == () and next_newscast_check(state) == at(15, 10)
    state = seen(7).checked(at(9, 50), at(9, 45))
    assert state.latest == at(9, 45) and state.past_hour_s == (420,)
    assert next_newscast_check(state) == at(10, 8)
    assert seen(30.5).past_hour_s == ()


def test_a_check_at_a_learned_time_before_ten_past_is_not_repeated_at_once() -> None:
    state = NewscastState().checked(T0, at(14, 7))
    assert next_newscast_check(state) == at(15, 8)
    out = state.checked(at(15, 8), at(15, 6))  # this hour's is out
    assert out.misses == 0 and next_newscast_check(out) == at(16, 8)
    late = state.checked(at(15, 8), at(14, 7))  # not yet: back off, as after ten past
    assert late.misses == 1 and next_newscast_check(late) == at(15, 10)


def test_a_day_with_the_newscast_out_at_6_to_12_past_makes_about_one_check_an_hour() -> None:
    minutes = [7, 7, 9, 12, 8, 11, 7, 6, 10, 8, 9, 7, 6, 8, 12, 9, 7, 11, 6, 8, 10, 7, 9, 12,
               8, 6]  # out at that minute past each hour from 13:00

    def published_at(t: datetime) -> datetime:
        out = [at(13, 0) + timedelta(hours=i, minutes=m) for i, m in enumerate(minutes)]
        return [o for o in out if o <= t][-1]

    clock = ManualClock(at(14, 30))
    asked = check_times(clock, NewscastState(), published_at, at(14, 30) + timedelta(days=1))
    gaps = [b - a for a, b in zip(asked, asked[1:], strict=False)]
    assert min(gaps) >= timedelta(minutes=1)  # never asked twice in a row
    assert 24 <= len(asked) <= 24 + 6  # one an hour, a few retries while it was learned
    # once a 12-past newscast is among the recent ones, the check is at 13 past
    assert all(t.minute == 13 for t in asked[-12:])
