"""The refresh policy over simulated days (pure; the clock is a loop variable)."""

from datetime import UTC, date, datetime, timedelta

from schedule.refresh import EPOCH, GuideState, RefreshPolicy, is_due, next_refresh
from tests.support.metadata_server import CHICAGO, demo_day, hourly


def simulate(days: int, schedule_of, fail_between=None) -> list[datetime]:
    """Minute-by-minute listener ticks; returns the instants the policy asked the source."""
    state, asked = GuideState(), []
    t = datetime(2025, 5, 14, 0, 0, 30, tzinfo=CHICAGO).astimezone(UTC)
    for _ in range(days * 24 * 60):
        if is_due(state, t, CHICAGO):
            asked.append(t)
            if fail_between and fail_between[0] <= t < fail_between[1]:
                state = state.failed(t)
            else:
                day = t.astimezone(CHICAGO).date()
                state = state.succeeded(t, day, tuple(a.start for a in schedule_of(day)))
        t += timedelta(minutes=1)
    return asked


def test_a_day_costs_about_one_request_an_hour_at_most():
    asked = simulate(2, demo_day)
    assert len(asked) / 48 <= 1.0
    hourly_asked = simulate(2, lambda d: hourly(CHICAGO, d))
    assert len(hourly_asked) / 48 <= 1.1


def test_never_more_than_four_requests_in_any_hour_even_while_failing():
    start = datetime(2025, 5, 14, 15, 0, tzinfo=CHICAGO).astimezone(UTC)
    asked = simulate(1, demo_day, (start, start + timedelta(hours=3)))
    for t in asked:
        assert sum(1 for u in asked if t <= u < t + timedelta(hours=1)) <= 4


def test_the_new_day_is_fetched_just_after_station_midnight():
    asked = simulate(2, demo_day)
    midnight = datetime(2025, 5, 15, 0, 0, tzinfo=CHICAGO)
    after = [t for t in asked if t >= midnight]
    assert after and after[0] - midnight <= timedelta(minutes=3)


def test_first_fetch_is_immediate_and_boundaries_are_honoured():
    assert next_refresh(GuideState(), CHICAGO) == EPOCH
    t = datetime(2025, 5, 14, 9, 30, tzinfo=CHICAGO)
    state = GuideState().succeeded(t, date(2025, 5, 14), tuple(a.start for a in demo_day(
        date(2025, 5, 14))))
    assert next_refresh(state, CHICAGO) == datetime(2025, 5, 14, 10, 1, tzinfo=CHICAGO)
    polite = RefreshPolicy(min_interval_s=3600)
    assert next_refresh(state, CHICAGO, polite) == datetime(2025, 5, 14, 10, 30, tzinfo=CHICAGO)
    failed = state.failed(t)
    assert next_refresh(failed, CHICAGO) == t + timedelta(minutes=2)
