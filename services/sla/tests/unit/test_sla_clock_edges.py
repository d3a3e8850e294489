"""Clock transitions that mutation testing found unchecked (issue 20)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from closeloop_shared.durations import Duration
from closeloop_sla.domain.calendar import make_calendar
from closeloop_sla.domain.clock import (
    cancel_clock,
    extend_clock,
    restart_clock,
    start_clock,
    stop_clock,
)
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.clock_model import Clock, ClockPhase, deadline_of

# New York hours with a short Friday, so where an extension is counted from matters
SHORT_FRIDAY = make_calendar(
    "ny-short-friday",
    "America/New_York",
    {0: "09:00-17:00", 1: "09:00-17:00", 2: "09:00-17:00", 3: "09:00-17:00", 4: "09:00-12:00"},
)
THURSDAY_NINE = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)  # 09:00 EST
HOUR = timedelta(hours=1)


def _clock(warn_at: tuple[float, ...] = (0.5,)) -> Clock:
    clock, _ = start_clock(
        complaint_id="c-1",
        kind=ClockKind.FIRST_RESPONSE,
        target=Duration(seconds=8 * 3600),
        calendar=SHORT_FRIDAY,
        at=THURSDAY_NINE,
        policy_id="p",
        policy_version=1,
        warn_at=warn_at,
    )
    return clock


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_a_warning_threshold_at_either_bound_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        _clock(warn_at=(fraction,))


def test_a_zero_length_extension_is_refused() -> None:
    with pytest.raises(ValueError, match="must add some working time"):
        extend_clock(
            _clock(),
            SHORT_FRIDAY,
            at=THURSDAY_NINE + HOUR,
            reason="r",
            consented=True,
            by=Duration(),
        )


def test_an_extension_by_days_and_time_counts_from_the_current_deadline() -> None:
    # deadline Thursday 17:00; one working day from there is Friday's close at 12:00
    # (3 h), then 30 min more reaches Monday 09:30. Counted from ``at`` (Thursday 10:00)
    # it would be 8 h. (Monday is EDT, after the 8 March change: 09:30 is 13:30 UTC.)
    extended, _ = extend_clock(
        _clock(),
        SHORT_FRIDAY,
        at=THURSDAY_NINE + HOUR,
        reason="r",
        consented=True,
        by=Duration(days=1, seconds=1800),
    )
    assert extended.budget == timedelta(hours=11, minutes=30)
    assert deadline_of(extended, SHORT_FRIDAY) == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)


def test_a_stopped_clock_records_its_used_time_and_met_instant() -> None:
    at = THURSDAY_NINE + 2 * HOUR
    stopped, _ = stop_clock(_clock(), SHORT_FRIDAY, at)
    assert stopped.phase is ClockPhase.STOPPED
    assert stopped.accumulated == 2 * HOUR
    assert stopped.segment_start is None
    assert stopped.paused_at is None
    assert stopped.met_at == at
    assert stopped.updated_at == at


def test_a_cancelled_clock_records_its_used_time_and_is_not_met() -> None:
    at = THURSDAY_NINE + 3 * HOUR
    cancelled, _ = cancel_clock(_clock(), SHORT_FRIDAY, at, "reopened")
    assert cancelled.phase is ClockPhase.CANCELLED
    assert cancelled.accumulated == 3 * HOUR
    assert cancelled.segment_start is None
    assert cancelled.paused_at is None
    assert cancelled.met_at is None
    assert cancelled.updated_at == at


def test_a_restarted_clock_is_a_fresh_run_with_the_same_policy() -> None:
    stopped, _ = stop_clock(_clock(warn_at=(0.75, 0.5)), SHORT_FRIDAY, THURSDAY_NINE + HOUR)
    at = THURSDAY_NINE + 4 * HOUR
    restarted, _ = restart_clock(stopped, SHORT_FRIDAY, at)
    assert restarted.phase is ClockPhase.RUNNING
    assert restarted.run == 2
    assert restarted.started_at == at
    assert restarted.segment_start == at
    assert restarted.accumulated == timedelta(0)
    assert restarted.budget == 8 * HOUR
    assert restarted.warn_at == (0.5, 0.75)
    assert (restarted.policy_id, restarted.policy_version) == ("p", 1)
    assert restarted.kind is ClockKind.FIRST_RESPONSE


def test_a_new_deadline_equal_to_the_current_one_is_refused() -> None:
    clock = _clock()
    with pytest.raises(ValueError, match="is not later than now"):
        extend_clock(
            clock,
            SHORT_FRIDAY,
            at=THURSDAY_NINE + HOUR,
            reason="r",
            consented=True,
            new_deadline=deadline_of(clock, SHORT_FRIDAY),
        )
