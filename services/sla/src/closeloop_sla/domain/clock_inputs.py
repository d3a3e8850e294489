"""What can happen to a complaint's clock set: the engine's inputs, decoupled from the
events that carry them (lifecycle, routing and feedback events, timer expiries, reapply
commands). Adapters translate events into these; :mod:`closeloop_sla.domain.clock_rules`
applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from closeloop_shared.durations import Duration
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.policy import ComplaintAttributes


@dataclass(frozen=True, slots=True)
class Receive:
    """A complaint was received: pick its policy and start its first clocks.
    ``registered`` when the record was complete on receipt (entered by an agent)."""

    at: datetime
    attributes: ComplaintAttributes
    registered: bool = False


@dataclass(frozen=True, slots=True)
class Trigger:
    """A lifecycle step named in the trigger table (``acknowledged``, ``resolved``…)."""

    event: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Extend:
    """Extend one clock by a duration or to a new deadline, for a recorded reason."""

    kind: ClockKind
    at: datetime
    reason: str
    consented: bool
    by: Duration | None = None
    new_deadline: datetime | None = None


@dataclass(frozen=True, slots=True)
class AssignDepartment:
    """The complaint's responsible department changed (for department-scoped reads)."""

    department: str


@dataclass(frozen=True, slots=True)
class Expire:
    """The timer found a due instant: fire every warning and breach due at ``now``."""

    now: datetime


@dataclass(frozen=True, slots=True)
class Reapply:
    """An administrator reapplied the current policies and calendars to running clocks."""

    at: datetime


ClockInput = Receive | Trigger | Extend | AssignDepartment | Expire | Reapply
