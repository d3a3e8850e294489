"""Reapplying a policy to a running clock: time already used stays used, the new target
and calendar count from then on, and what already fired never fires again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from closeloop_shared.durations import parse_duration
from closeloop_sla.domain.calendar import ALWAYS_OPEN, BusinessCalendar, make_calendar
from closeloop_sla.domain.clock import (
    Clock,
    Transition,
    deadline_of,
    extend_clock,
    fire_due,
    pause_clock,
    start_clock,
    stop_clock,
)
from closeloop_sla.domain.clock_effects import ClockBreached, ClockRetargeted
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.clock_retarget import retarget_clock

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def started(target: str = "PT100S", warn_at: tuple[float, ...] = (0.5,)) -> Clock:
    clock, _ = start_clock(
        complaint_id="c-1",
        kind=ClockKind.RESOLUTION,
        target=parse_duration(target),
        calendar=ALWAYS_OPEN,
        at=T0,
        policy_id="p",
        policy_version=1,
        warn_at=warn_at,
    )
    return clock


def retarget(
    clock: Clock,
    at: datetime,
    target: str,
    calendar: BusinessCalendar = ALWAYS_OPEN,
    version: int = 2,
) -> Transition:
    return retarget_clock(
        clock,
        ALWAYS_OPEN,
        calendar,
        at=at,
        target=parse_duration(target),
        warn_at=(0.5,),
        policy_id="p",
        policy_version=version,
    )


def test_a_longer_target_moves_the_deadline_from_the_clock_start() -> None:
    moved, effects = retarget(started(), after(10), "PT200S")
    assert deadline_of(moved, ALWAYS_OPEN) == after(200)
    assert [type(e) for e in effects] == [ClockRetargeted]
    assert moved.policy_version == 2


def test_extensions_granted_before_stay_granted() -> None:
    clock, _ = extend_clock(
        started(),
        ALWAYS_OPEN,
        at=after(1),
        reason="law",
        consented=True,
        by=parse_duration("PT50S"),
    )
    moved, _ = retarget(clock, after(2), "PT200S")
    assert deadline_of(moved, ALWAYS_OPEN) == after(250)


def test_a_shorter_target_already_used_up_breaches_at_the_next_expiry() -> None:
    moved, _ = retarget(started(), after(60), "PT30S")
    fired, effects = fire_due(moved, ALWAYS_OPEN, after(60))
    assert [type(e) for e in effects].count(ClockBreached) == 1
    assert fired.breached_at is not None


def test_a_warning_already_fired_does_not_fire_again() -> None:
    warned, effects = fire_due(started(), ALWAYS_OPEN, after(55))
    assert len(effects) == 1
    moved, _ = retarget(warned, after(56), "PT200S")
    _, later = fire_due(moved, ALWAYS_OPEN, after(150))
    assert later == []


def test_a_paused_clock_stays_paused_with_its_used_time() -> None:
    paused, _ = pause_clock(started(), ALWAYS_OPEN, after(40))
    moved, _ = retarget(paused, after(50), "PT60S")
    assert moved.segment_start is None and moved.accumulated == timedelta(seconds=40)


def test_a_new_calendar_counts_only_from_the_reapply_instant() -> None:
    night = make_calendar("night@1", "UTC", "00:00-01:00", workdays=range(7))
    moved, _ = retarget(started("PT3000S"), after(100), "PT3000S", calendar=night)
    assert moved.calendar == "night@1"
    assert moved.accumulated == timedelta(seconds=100)
    assert deadline_of(moved, night) == T0.replace(hour=0) + timedelta(days=1, seconds=2900)


def test_stopped_clocks_and_clocks_already_on_the_version_are_left_alone() -> None:
    stopped, _ = stop_clock(started(), ALWAYS_OPEN, after(5))
    assert retarget(stopped, after(6), "PT1S") == (stopped, [])
    same = started()
    assert retarget(same, after(6), "PT1S", version=1) == (same, [])
