"""Properties of working-time arithmetic, over calendars with DST, holidays and make-up days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop_shared.durations import Duration
from closeloop_sla.domain.calendar import (
    ALWAYS_OPEN,
    DEFAULT_CALENDAR,
    BusinessCalendar,
    make_calendar,
)
from closeloop_sla.domain.working_time import (
    add_working_time,
    next_working_instant,
    working_time_between,
)

CALENDARS = [
    DEFAULT_CALENDAR,
    ALWAYS_OPEN,
    make_calendar(
        "cn",
        "Asia/Shanghai",
        "09:00-12:00,13:00-18:00",
        holidays=[date(2026, 9, 25), *(date(2026, 10, d) for d in range(1, 8))],
        makeup_days=[date(2026, 9, 20), date(2026, 10, 10)],
        makeup_hours="09:00-12:00",
    ),
    make_calendar("ny", "America/New_York", "09:00-17:00"),
    make_calendar("ny-24", "America/New_York", "00:00-24:00", workdays=range(7)),
    make_calendar("berlin-n", "Europe/Berlin", "00:00-02:30,03:00-06:00", workdays=range(7)),
    make_calendar(
        "shifts",
        "Europe/Berlin",
        {0: "08:00-12:00,13:00-17:00", 2: "22:00-24:00", 5: "10:00-14:00"},
    ),
]

calendars = st.sampled_from(CALENDARS)
# 2026 holds both DST changes of New York and Berlin and the golden-week holidays.
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
seconds = st.integers(min_value=0, max_value=300 * 3600)
days = st.integers(min_value=0, max_value=25)
SETTINGS = settings(max_examples=200, deadline=None)


@SETTINGS
@given(calendar=calendars, start=instants, amount=seconds)
def test_working_time_between_start_and_result_is_the_duration(
    calendar: BusinessCalendar, start: datetime, amount: int
) -> None:
    result = add_working_time(calendar, start, Duration(seconds=amount))
    assert result >= start
    assert working_time_between(calendar, start, result) == timedelta(seconds=amount)


@SETTINGS
@given(calendar=calendars, start=instants, first=seconds, second=seconds)
def test_adding_twice_equals_adding_the_sum(
    calendar: BusinessCalendar, start: datetime, first: int, second: int
) -> None:
    stepwise = add_working_time(
        calendar,
        add_working_time(calendar, start, Duration(seconds=first)),
        Duration(seconds=second),
    )
    assert stepwise == add_working_time(calendar, start, Duration(seconds=first + second))


@SETTINGS
@given(calendar=calendars, start=instants, a=seconds, b=seconds, n=days, m=days)
def test_adding_is_monotonic_in_the_duration(
    calendar: BusinessCalendar, start: datetime, a: int, b: int, n: int, m: int
) -> None:
    low, high = sorted((a, b))
    assert add_working_time(calendar, start, Duration(seconds=low)) <= add_working_time(
        calendar, start, Duration(seconds=high)
    )
    few, many = sorted((n, m))
    assert add_working_time(calendar, start, Duration(days=few)) <= add_working_time(
        calendar, start, Duration(days=many)
    )


@SETTINGS
@given(calendar=calendars, t1=instants, t2=instants, amount=seconds, n=days)
def test_adding_is_monotonic_in_the_start(
    calendar: BusinessCalendar, t1: datetime, t2: datetime, amount: int, n: int
) -> None:
    early, late = sorted((t1, t2))
    for duration in (Duration(seconds=amount), Duration(days=n), Duration(n, amount)):
        assert add_working_time(calendar, early, duration) <= add_working_time(
            calendar, late, duration
        )


@SETTINGS
@given(calendar=calendars, start=instants, n=st.integers(min_value=1, max_value=25))
def test_working_days_add_working_time_and_land_on_the_earliest_such_instant(
    calendar: BusinessCalendar, start: datetime, n: int
) -> None:
    result = add_working_time(calendar, start, Duration(days=n))
    used = working_time_between(calendar, start, result)
    assert used > timedelta(0)
    # Earliest: one microsecond earlier there was strictly less working time.
    assert working_time_between(calendar, start, result - timedelta(microseconds=1)) < used


@SETTINGS
@given(calendar=calendars, a=instants, b=instants, c=instants)
def test_working_time_between_is_additive(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    assert working_time_between(calendar, a, c) == working_time_between(
        calendar, a, b
    ) + working_time_between(calendar, b, c)
    assert working_time_between(calendar, a, c) <= c - a


@SETTINGS
@given(calendar=calendars, at=instants)
def test_next_working_instant_skips_only_non_working_time(
    calendar: BusinessCalendar, at: datetime
) -> None:
    following = next_working_instant(calendar, at)
    assert following >= at
    assert working_time_between(calendar, at, following) == timedelta(0)
    assert working_time_between(calendar, following, following + timedelta(seconds=1)) > timedelta(
        0
    )
