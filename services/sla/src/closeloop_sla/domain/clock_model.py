"""The state of one SLA clock and the questions one can ask it (deadline, time used, what
falls due). The transitions that change a clock live in :mod:`closeloop_sla.domain.clock`.

At start the target (``P3D``, ``PT1H``…) becomes a **budget** of working time in the clock's
calendar. A running clock counts the working time of its current segment on top of
``accumulated``; a paused one counts nothing. So the deadline of a running clock is
``add_working_seconds(calendar, segment_start, budget - accumulated)``, and a pause of N
working seconds moves it by exactly N working seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from closeloop_shared.durations import Duration
from closeloop_sla.domain.calendar import BusinessCalendar
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.working_time import add_working_seconds, working_time_between

DEFAULT_WARN_AT: tuple[float, ...] = (0.75, 0.9)
_ZERO = timedelta(0)


class ClockPhase(StrEnum):
    """Whether working time counts right now."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    CANCELLED = "cancelled"


class ClockState(StrEnum):
    """The SLA outcome as shown to people: a breach stays visible after the clock stops."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Extension:
    """A recorded extension: by a duration or to a new deadline, and the time it added."""

    at: datetime
    reason: str
    consented: bool
    added: timedelta
    by: Duration | None = None
    new_deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class DueInstant:
    """When a warning (``threshold`` < 1) or the breach (``threshold`` 1.0) falls due."""

    instant: datetime
    kind: Literal["warning", "breach"]
    threshold: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Clock:
    """The state of one clock; build it with :func:`start_clock`, change it with the
    transition functions, never by hand."""

    complaint_id: str
    kind: ClockKind
    policy_id: str
    policy_version: int
    target: Duration
    calendar: str
    warn_at: tuple[float, ...]
    started_at: datetime
    budget: timedelta
    phase: ClockPhase
    accumulated: timedelta
    segment_start: datetime | None
    paused_at: datetime | None = None
    extensions: tuple[Extension, ...] = ()
    warnings_fired: tuple[float, ...] = ()
    breached_at: datetime | None = None
    met_at: datetime | None = None
    run: int = 1
    updated_at: datetime

    @property
    def state(self) -> ClockState:
        """Breached wins over met: a late stop is still a breach (R4, 001 篇2 §4.1)."""
        if self.breached_at is not None:
            return ClockState.BREACHED
        return _STATE_OF_PHASE[self.phase]

    @property
    def is_open(self) -> bool:
        """True while the clock can still run (neither stopped nor cancelled)."""
        phase = self.phase  # identity checks: hashing an enum member is a Python call
        return phase is ClockPhase.RUNNING or phase is ClockPhase.PAUSED


_STATE_OF_PHASE = {
    ClockPhase.RUNNING: ClockState.RUNNING,
    ClockPhase.PAUSED: ClockState.PAUSED,
    ClockPhase.STOPPED: ClockState.MET,
    ClockPhase.CANCELLED: ClockState.CANCELLED,
}


def due_instants(clock: Clock, calendar: BusinessCalendar) -> list[DueInstant]:
    """Warnings and breach still to fire, in time order; empty unless running and unbreached."""
    if clock.phase is not ClockPhase.RUNNING or clock.breached_at is not None:
        return []
    assert clock.segment_start is not None  # a running clock always has a segment
    due: list[DueInstant] = []
    for fraction in clock.warn_at:
        if fraction not in clock.warnings_fired:
            instant = instant_of_use(clock, calendar, clock.budget * fraction)
            due.append(DueInstant(instant, "warning", fraction))
    due.append(DueInstant(instant_of_use(clock, calendar, clock.budget), "breach", 1.0))
    return sorted(due, key=lambda item: (item.instant, item.threshold))


def deadline_of(clock: Clock, calendar: BusinessCalendar) -> datetime | None:
    """When a running clock breaches (may be past); ``None`` when paused, stopped, or
    overdue from before its current segment."""
    if clock.phase is not ClockPhase.RUNNING or clock.accumulated > clock.budget:
        return None
    return instant_of_use(clock, calendar, clock.budget)


def working_time_used(clock: Clock, calendar: BusinessCalendar, at: datetime) -> timedelta:
    """Working time the clock has counted up to ``at``."""
    if clock.phase is not ClockPhase.RUNNING or clock.segment_start is None:
        return clock.accumulated
    return clock.accumulated + working_time_between(calendar, clock.segment_start, at)


def remaining_working_time(clock: Clock, calendar: BusinessCalendar, at: datetime) -> timedelta:
    """Working time left at ``at``; negative when overdue."""
    return clock.budget - working_time_used(clock, calendar, at)


def instant_of_use(clock: Clock, calendar: BusinessCalendar, amount: timedelta) -> datetime:
    """The instant at which the running clock will have used ``amount`` of working time."""
    assert clock.segment_start is not None
    still = amount - clock.accumulated
    return add_working_seconds(calendar, clock.segment_start, max(still, _ZERO))
