"""Transitions of one SLA clock, as pure functions returning ``(new_clock, effects)`` (R4).

Warnings fire when a fraction (``warn_at``) of the budget is used up and the breach when all
of it is, each **exactly once** and never before its instant (:func:`fire_due`). Every
other transition first fires what fell due strictly before its instant, so a clock stopped
or paused after its deadline still reports the breach, while a stop at the very deadline
instant is in time. A never-paused, never-extended clock's deadline
equals ``add_working_time(calendar, started_at, target)``.

Instants before the clock's last recorded instant are treated as that instant (time never
runs backwards for a clock). Repeating a transition (pausing a paused clock, stopping a
stopped one) changes nothing and reports nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypedDict

from closeloop_shared.durations import Duration
from closeloop_sla.domain.calendar import BusinessCalendar
from closeloop_sla.domain.clock_effects import (
    ClockBreached,
    ClockCancelled,
    ClockEffect,
    ClockExtended,
    ClockMet,
    ClockPaused,
    ClockResumed,
    ClockStarted,
    ClockWarned,
)
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.clock_model import (
    DEFAULT_WARN_AT,
    Clock,
    ClockPhase,
    ClockState,
    DueInstant,
    Extension,
    deadline_of,
    due_instants,
    remaining_working_time,
    working_time_used,
)
from closeloop_sla.domain.working_time import (
    add_working_seconds,
    add_working_time,
    to_utc,
    working_time_between,
)

__all__ = [
    "DEFAULT_WARN_AT",
    "Clock",
    "ClockPhase",
    "ClockState",
    "ClockTransitionError",
    "DueInstant",
    "Extension",
    "Transition",
    "cancel_clock",
    "deadline_of",
    "due_instants",
    "extend_clock",
    "fire_before",
    "fire_due",
    "pause_clock",
    "remaining_working_time",
    "restart_clock",
    "resume_clock",
    "start_clock",
    "stop_clock",
    "working_time_used",
]

_ZERO = timedelta(0)
Transition = tuple[Clock, list[ClockEffect]]


class ClockTransitionError(ValueError):
    """The transition makes no sense for the clock (e.g. extending a stopped clock)."""


def start_clock(
    *,
    complaint_id: str,
    kind: ClockKind,
    target: Duration,
    calendar: BusinessCalendar,
    at: datetime,
    policy_id: str,
    policy_version: int,
    warn_at: tuple[float, ...] = DEFAULT_WARN_AT,
    run: int = 1,
) -> Transition:
    """Start a clock at ``at``; its budget is the working time of ``target`` from ``at``."""
    if any(not 0 < fraction < 1 for fraction in warn_at):
        raise ValueError(f"warning thresholds must lie strictly between 0 and 1: {warn_at}")
    at = to_utc(at)
    deadline = add_working_time(calendar, at, target)
    clock = Clock(
        complaint_id=complaint_id,
        kind=kind,
        policy_id=policy_id,
        policy_version=policy_version,
        target=target,
        calendar=calendar.name,
        warn_at=tuple(sorted(warn_at)),
        started_at=at,
        budget=working_time_between(calendar, at, deadline),
        phase=ClockPhase.RUNNING,
        accumulated=_ZERO,
        segment_start=at,
        run=run,
        updated_at=at,
    )
    started = ClockStarted(
        **_ids(clock), at=at, target=target, deadline=deadline, restarted=run > 1
    )
    return clock, [started]


def restart_clock(clock: Clock, calendar: BusinessCalendar, at: datetime) -> Transition:
    """A fresh run of the same clock from ``at`` (a reopened complaint): nothing carries over
    but the policy; ``run`` goes up so the new run's effects are distinguishable."""
    return start_clock(
        complaint_id=clock.complaint_id,
        kind=clock.kind,
        target=clock.target,
        calendar=calendar,
        at=max(to_utc(at), clock.updated_at),
        policy_id=clock.policy_id,
        policy_version=clock.policy_version,
        warn_at=clock.warn_at,
        run=clock.run + 1,
    )


def pause_clock(clock: Clock, calendar: BusinessCalendar, at: datetime) -> Transition:
    """Stop counting working time (awaiting the customer); no-op unless running."""
    if clock.phase is not ClockPhase.RUNNING:
        return clock, []
    at = _clamp(clock, at)
    clock, effects = fire_before(clock, calendar, at)
    used = working_time_used(clock, calendar, at)
    paused = replace(
        clock,
        phase=ClockPhase.PAUSED,
        accumulated=used,
        segment_start=None,
        paused_at=at,
        updated_at=at,
    )
    remaining = max(clock.budget - used, _ZERO)
    return paused, [*effects, ClockPaused(**_ids(clock), at=at, remaining=remaining)]


def resume_clock(clock: Clock, calendar: BusinessCalendar, at: datetime) -> Transition:
    """Count working time again from ``at``; no-op unless paused."""
    if clock.phase is not ClockPhase.PAUSED:
        return clock, []
    at = _clamp(clock, at)
    resumed = replace(
        clock, phase=ClockPhase.RUNNING, segment_start=at, paused_at=None, updated_at=at
    )
    deadline = deadline_of(resumed, calendar)
    return resumed, [ClockResumed(**_ids(clock), at=at, deadline=deadline)]


def stop_clock(clock: Clock, calendar: BusinessCalendar, at: datetime) -> Transition:
    """The awaited thing happened: the clock is met (late if it breached); no-op if stopped."""
    if not clock.is_open:
        return clock, []
    at = _clamp(clock, at)
    clock, effects = fire_before(clock, calendar, at)
    used = working_time_used(clock, calendar, at)
    stopped = replace(
        clock,
        phase=ClockPhase.STOPPED,
        accumulated=used,
        segment_start=None,
        paused_at=None,
        met_at=at,
        updated_at=at,
    )
    met = ClockMet(
        **_ids(clock),
        at=at,
        late=clock.breached_at is not None,
        working_time=used,
        budget=clock.budget,
    )
    return stopped, [*effects, met]


def cancel_clock(clock: Clock, calendar: BusinessCalendar, at: datetime, reason: str) -> Transition:
    """Withdraw a clock that no longer applies (e.g. the archive clock of a reopened
    complaint); it is neither met nor breached by the cancelling. No-op unless open."""
    if not clock.is_open:
        return clock, []
    at = _clamp(clock, at)
    clock, effects = fire_before(clock, calendar, at)
    used = working_time_used(clock, calendar, at)
    cancelled = replace(
        clock,
        phase=ClockPhase.CANCELLED,
        accumulated=used,
        segment_start=None,
        paused_at=None,
        updated_at=at,
    )
    return cancelled, [*effects, ClockCancelled(**_ids(clock), at=at, reason=reason)]


def extend_clock(
    clock: Clock,
    calendar: BusinessCalendar,
    *,
    at: datetime,
    reason: str,
    consented: bool,
    by: Duration | None = None,
    new_deadline: datetime | None = None,
) -> Transition:
    """Grow the time limit by ``by`` (counted from the current deadline) or up to
    ``new_deadline`` (as if a paused clock resumed at ``at``). A reason is required.

    A breach that already fired stays recorded; thresholds already fired do not re-arm.
    """
    if not clock.is_open:
        raise ClockTransitionError(
            f"the {clock.kind} clock is {clock.phase}; it cannot be extended"
        )
    if (by is None) == (new_deadline is None):
        raise ValueError("an extension needs exactly one of 'by' or 'new_deadline'")
    if not reason.strip():
        raise ValueError("an extension must record its reason")
    at = _clamp(clock, at)
    clock, effects = fire_before(clock, calendar, at)
    used = working_time_used(clock, calendar, at)
    if new_deadline is not None:
        added = used + working_time_between(calendar, at, new_deadline) - clock.budget
        if added <= _ZERO:
            raise ValueError(f"new deadline {new_deadline.isoformat()} is not later than now")
    else:
        assert by is not None  # checked above; narrows the type
        added = _working_time_of(by, calendar, _projected_deadline(clock, calendar, at) or at)
        if added <= _ZERO:
            raise ValueError("an extension must add some working time")
    extension = Extension(at, reason, consented, added, by, new_deadline)
    extended = replace(
        clock,
        budget=clock.budget + added,
        extensions=(*clock.extensions, extension),
        updated_at=at,
    )
    fact = ClockExtended(
        **_ids(clock),
        at=at,
        reason=reason,
        consented=consented,
        added=added,
        by=by,
        new_deadline=new_deadline,
        deadline=deadline_of(extended, calendar),
    )
    return extended, [*effects, fact]


def fire_due(clock: Clock, calendar: BusinessCalendar, now: datetime) -> Transition:
    """Fire every warning and breach due at or before ``now``, each exactly once."""
    return _fire(clock, calendar, to_utc(now), include_now=True)


def fire_before(clock: Clock, calendar: BusinessCalendar, at: datetime) -> Transition:
    """What a transition at ``at`` reports first: alerts due strictly before ``at`` (a stop
    at the very deadline instant is still in time)."""
    return _fire(clock, calendar, to_utc(at), include_now=False)


def _fire(
    clock: Clock, calendar: BusinessCalendar, now: datetime, *, include_now: bool
) -> Transition:
    due = [
        item
        for item in due_instants(clock, calendar)
        if item.instant < now or (include_now and item.instant == now)
    ]
    if not due:
        return clock, []
    deadline = deadline_of(clock, calendar)
    effects: list[ClockEffect] = []
    fired = list(clock.warnings_fired)
    breached_at = clock.breached_at
    for item in due:
        if item.kind == "breach":
            breached_at = item.instant
            effects.append(ClockBreached(**_ids(clock), at=item.instant, detected_at=now))
        else:
            fired.append(item.threshold)
            effects.append(
                ClockWarned(
                    **_ids(clock),
                    at=item.instant,
                    threshold=item.threshold,
                    deadline=deadline,
                    detected_at=now,
                )
            )
    updated = replace(
        clock,
        warnings_fired=tuple(sorted(fired)),
        breached_at=breached_at,
        updated_at=max(clock.updated_at, due[-1].instant),
    )
    return updated, effects


def _projected_deadline(clock: Clock, calendar: BusinessCalendar, at: datetime) -> datetime | None:
    """The deadline as it stands, or for a paused clock as if it resumed at ``at``."""
    if clock.phase is ClockPhase.RUNNING:
        return deadline_of(clock, calendar)
    remaining = clock.budget - clock.accumulated
    return add_working_seconds(calendar, at, remaining) if remaining >= _ZERO else None


def _working_time_of(by: Duration, calendar: BusinessCalendar, since: datetime) -> timedelta:
    """How much working time ``by`` adds when its days are counted from ``since``."""
    if not by.days:
        return by.time
    after_days = add_working_time(calendar, since, Duration(days=by.days))
    return working_time_between(calendar, since, after_days) + by.time


def _clamp(clock: Clock, at: datetime) -> datetime:
    return max(to_utc(at), clock.updated_at)


class _Ids(TypedDict):
    complaint_id: str
    kind: ClockKind
    run: int


def _ids(clock: Clock) -> _Ids:
    return {"complaint_id": clock.complaint_id, "kind": clock.kind, "run": clock.run}
