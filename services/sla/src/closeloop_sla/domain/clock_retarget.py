"""Moving a running clock onto another policy version or calendar: an explicit *reapply*.

A policy change applies to new complaints only; running clocks keep the version they
started with (R4: the promise made to the customer does not silently change). When an
administrator explicitly reapplies, :func:`retarget_clock` re-bases an open clock:

* the working time already counted stays counted (measured in the clock's old calendar up
  to ``at``), and the clock continues from ``at`` in the new calendar;
* the budget becomes the new target measured from the clock's start in the new calendar,
  plus every extension already granted;
* warnings and a breach that already fired stay fired (each fires at most once per run);
  alerts that fell due before ``at`` under the old target are reported first.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from closeloop_shared.durations import Duration
from closeloop_sla.domain.calendar import BusinessCalendar
from closeloop_sla.domain.clock import (
    Clock,
    ClockPhase,
    Transition,
    deadline_of,
    fire_before,
    working_time_used,
)
from closeloop_sla.domain.clock_effects import ClockRetargeted
from closeloop_sla.domain.working_time import add_working_time, to_utc, working_time_between

_ZERO = timedelta(0)


def retarget_clock(
    clock: Clock,
    old_calendar: BusinessCalendar,
    new_calendar: BusinessCalendar,
    *,
    at: datetime,
    target: Duration,
    warn_at: tuple[float, ...],
    policy_id: str,
    policy_version: int,
) -> Transition:
    """Re-base an open clock on ``target`` in ``new_calendar`` from ``at``; a no-op for a
    stopped or cancelled clock, or one already on that policy version and calendar."""
    if any(not 0 < fraction < 1 for fraction in warn_at):
        raise ValueError(f"warning thresholds must lie strictly between 0 and 1: {warn_at}")
    if not clock.is_open or _already_on(clock, new_calendar, policy_id, policy_version):
        return clock, []
    at = max(to_utc(at), clock.updated_at)
    clock, effects = fire_before(clock, old_calendar, at)
    used = working_time_used(clock, old_calendar, at)
    base_deadline = add_working_time(new_calendar, clock.started_at, target)
    base = working_time_between(new_calendar, clock.started_at, base_deadline)
    extended = sum((extension.added for extension in clock.extensions), _ZERO)
    running = clock.phase is ClockPhase.RUNNING
    moved = replace(
        clock,
        policy_id=policy_id,
        policy_version=policy_version,
        target=target,
        calendar=new_calendar.name,
        warn_at=tuple(sorted(warn_at)),
        budget=base + extended,
        accumulated=used,
        segment_start=at if running else None,
        updated_at=at,
    )
    fact = ClockRetargeted(
        complaint_id=clock.complaint_id,
        kind=clock.kind,
        run=clock.run,
        at=at,
        policy_id=policy_id,
        policy_version=policy_version,
        target=target,
        calendar=new_calendar.name,
        deadline=deadline_of(moved, new_calendar),
    )
    return moved, [*effects, fact]


def _already_on(
    clock: Clock, calendar: BusinessCalendar, policy_id: str, policy_version: int
) -> bool:
    return (clock.policy_id, clock.policy_version, clock.calendar) == (
        policy_id,
        policy_version,
        calendar.name,
    )
