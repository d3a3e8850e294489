"""What a clock transition reports: small immutable facts the service turns into events.

``at`` is when the fact happened in the complaint's timeline: for a warning or a breach
that is the due instant itself, and ``detected_at`` is when the engine noticed (their
difference is the alerting lag the architecture caps at one second).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from closeloop_shared.durations import Duration
from closeloop_sla.domain.clock_kind import ClockKind


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockEffect:
    """Fields every effect carries; ``run`` counts restarts (1 for the first run)."""

    complaint_id: str
    kind: ClockKind
    run: int
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockStarted(ClockEffect):
    """A clock (re)started; it breaches at ``deadline`` unless stopped, paused or extended."""

    target: Duration
    deadline: datetime
    restarted: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockPaused(ClockEffect):
    """Working time stopped counting, with ``remaining`` still to go (zero when overdue)."""

    remaining: timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockResumed(ClockEffect):
    """Working time counts again; ``deadline`` is ``None`` when already overdue."""

    deadline: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockExtended(ClockEffect):
    """The time limit grew by ``added`` working time, for a recorded reason (R4)."""

    reason: str
    consented: bool
    added: timedelta
    by: Duration | None
    new_deadline: datetime | None
    deadline: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockWarned(ClockEffect):
    """``threshold`` of the time limit was used up at ``at``."""

    threshold: float
    deadline: datetime | None
    detected_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockBreached(ClockEffect):
    """The deadline (``at``) passed before the clock was met."""

    detected_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockMet(ClockEffect):
    """The clock stopped; ``late`` when it had breached first."""

    late: bool
    working_time: timedelta
    budget: timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockCancelled(ClockEffect):
    """The clock no longer applies (its complaint was reopened or archived); not a "met"."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockRetargeted(ClockEffect):
    """An explicit reapply moved the clock onto another policy version or calendar."""

    policy_id: str
    policy_version: int
    target: Duration
    calendar: str
    deadline: datetime | None
