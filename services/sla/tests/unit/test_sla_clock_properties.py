"""Properties of SLA clocks: pauses are excluded exactly, alerts fire once and never early."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop_shared.durations import Duration
from closeloop_sla.domain.calendar import (
    ALWAYS_OPEN,
    DEFAULT_CALENDAR,
    BusinessCalendar,
    make_calendar,
)
from closeloop_sla.domain.clock import (
    Clock,
    deadline_of,
    due_instants,
    fire_due,
    pause_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from closeloop_sla.domain.clock_effects import ClockBreached, ClockEffect, ClockWarned
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.working_time import (
    add_working_seconds,
    add_working_time,
    working_time_between,
)

CALENDARS = [
    DEFAULT_CALENDAR,
    ALWAYS_OPEN,
    make_calendar("ny", "America/New_York", "09:00-17:00"),
    make_calendar("berlin-n", "Europe/Berlin", "00:00-02:30,03:00-06:00", workdays=range(7)),
]
calendars = st.sampled_from(CALENDARS)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
targets = st.builds(
    Duration,
    days=st.integers(0, 6),
    seconds=st.integers(0, 40 * 3600).map(float),
).filter(lambda d: not d.is_zero)
offsets = st.integers(min_value=0, max_value=20 * 24 * 3600).map(lambda s: timedelta(seconds=s))
warn_fractions = st.lists(
    st.floats(min_value=0.05, max_value=0.95), min_size=0, max_size=3, unique=True
).map(lambda fractions: tuple(sorted(fractions)))
SETTINGS = settings(max_examples=200, deadline=None)


def begin(
    calendar: BusinessCalendar,
    start: datetime,
    target: Duration,
    warn_at: tuple[float, ...] = (0.75, 0.9),
) -> Clock:
    clock, _ = start_clock(
        complaint_id="c-9",
        kind=ClockKind.RESOLUTION,
        target=target,
        calendar=calendar,
        at=start,
        policy_id="p",
        policy_version=1,
        warn_at=warn_at,
    )
    return clock


@SETTINGS
@given(calendar=calendars, start=instants, target=targets)
def test_an_untouched_clock_is_due_when_add_working_time_says(
    calendar: BusinessCalendar, start: datetime, target: Duration
) -> None:
    clock = begin(calendar, start, target)
    assert deadline_of(clock, calendar) == add_working_time(calendar, start, target)


@SETTINGS
@given(
    calendar=calendars,
    start=instants,
    target=targets,
    pause_fraction=st.floats(min_value=0, max_value=0.999),
    pause_length=offsets,
)
def test_a_pause_moves_the_deadline_by_exactly_its_working_time(
    calendar: BusinessCalendar,
    start: datetime,
    target: Duration,
    pause_fraction: float,
    pause_length: timedelta,
) -> None:
    clock = begin(calendar, start, target)
    old_deadline = deadline_of(clock, calendar)
    assert old_deadline is not None
    paused_at = start + (old_deadline - start) * pause_fraction
    resumed_at = paused_at + pause_length
    clock, _ = pause_clock(clock, calendar, paused_at)
    clock, _ = resume_clock(clock, calendar, resumed_at)
    paused_for = working_time_between(calendar, paused_at, resumed_at)
    new_deadline = deadline_of(clock, calendar)
    assert new_deadline == add_working_seconds(calendar, old_deadline, paused_for)
    assert working_time_between(calendar, old_deadline, new_deadline) == paused_for


@st.composite
def schedules(draw: st.DrawFn) -> list[tuple[str, timedelta]]:
    """Operations at non-decreasing offsets: mostly fire_due, some pause/resume, repeats."""
    steps = draw(
        st.lists(
            st.tuples(st.sampled_from(["fire", "fire", "fire", "pause", "resume"]), offsets),
            min_size=1,
            max_size=12,
        )
    )
    steps.sort(key=lambda step: step[1])
    return [*steps, ("fire", steps[-1][1]), ("fire", steps[-1][1])]


@SETTINGS
@given(
    calendar=calendars,
    start=instants,
    target=targets,
    warn_at=warn_fractions,
    steps=schedules(),
)
def test_every_warning_and_breach_fires_once_and_never_before_its_instant(
    calendar: BusinessCalendar,
    start: datetime,
    target: Duration,
    warn_at: tuple[float, ...],
    steps: list[tuple[str, timedelta]],
) -> None:
    clock = begin(calendar, start, target, warn_at)
    fired: list[ClockEffect] = []
    for operation, offset in steps:
        now = start + offset
        if operation == "fire":
            clock, effects = fire_due(clock, calendar, now)
            assert fire_due(clock, calendar, now)[1] == []  # idempotent at the same instant
        elif operation == "pause":
            clock, effects = pause_clock(clock, calendar, now)
        else:
            clock, effects = resume_clock(clock, calendar, now)
        alerts = [e for e in effects if isinstance(e, ClockWarned | ClockBreached)]
        for alert in alerts:
            assert alert.at <= alert.detected_at <= now  # never early
        fired.extend(alerts)
    thresholds = [e.threshold for e in fired if isinstance(e, ClockWarned)]
    breaches = [e for e in fired if isinstance(e, ClockBreached)]
    assert len(thresholds) == len(set(thresholds))
    assert len(breaches) <= 1
    assert set(thresholds) <= set(warn_at)
    # Whatever remains due lies strictly after the last instant we looked at.
    last = start + steps[-1][1]
    assert all(item.instant > last for item in due_instants(clock, calendar))
    if breaches:
        assert set(thresholds) == set(warn_at)  # a breach never skips a warning
        assert breaches[0].at == clock.breached_at


@SETTINGS
@given(calendar=calendars, start=instants, target=targets, offset=offsets)
def test_stopping_reports_late_exactly_when_the_deadline_had_passed(
    calendar: BusinessCalendar, start: datetime, target: Duration, offset: timedelta
) -> None:
    clock = begin(calendar, start, target)
    deadline = deadline_of(clock, calendar)
    assert deadline is not None
    stopped, effects = stop_clock(clock, calendar, start + offset)
    late = start + offset > deadline  # stopping at the deadline instant is in time
    assert stopped.met_at == start + offset
    assert (stopped.breached_at is not None) == late
    assert [type(e).__name__ for e in effects].count("ClockBreached") == int(late)
