"""Events the SLA service publishes on ``sla.events.v1``, and its internal commands."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from closeloop_shared.events.common import ComplaintEvent
from closeloop_shared.events.envelope import EventData
from closeloop_shared.events.registry import event_type
from closeloop_shared.topics import SLA_COMMANDS, SLA_EVENTS

T = SLA_EVENTS.name


class ClockEvent(ComplaintEvent):
    """Identifies one clock of one complaint and the policy it runs under."""

    clock: str
    policy_id: str
    policy_version: int
    severity: str | None = None
    deadline: datetime | None = None
    run: int = 1  # 1 for a clock's first run; a reopened complaint restarts clocks


@event_type("closeloop.sla.clock.started.v1", topic=T)
class ClockStarted(ClockEvent):
    """A clock started; ``deadline`` is when it breaches if nothing happens."""

    target: str  # ISO-8601 duration
    calendar: str | None = None  # the calendar version it counts in, e.g. "business@2"
    restarted: bool = False


@event_type("closeloop.sla.clock.paused.v1", topic=T)
class ClockPaused(ClockEvent):
    """Waiting for the customer: working time stops counting."""

    remaining_seconds: float | None = None  # working time left (0 when already overdue)


@event_type("closeloop.sla.clock.resumed.v1", topic=T)
class ClockResumed(ClockEvent):
    """Working time counts again; the deadline moved by the pause."""


@event_type("closeloop.sla.clock.extended.v1", topic=T)
class ClockExtended(ClockEvent):
    """The deadline moved by a recorded extension."""

    reason: str
    consented: bool | None = None
    added_seconds: float | None = None  # working time the extension added


@event_type("closeloop.sla.clock.warning.v1", topic=T)
class ClockWarning(ClockEvent):
    """A configured fraction of the time limit has been used."""

    threshold: float


@event_type("closeloop.sla.clock.breached.v1", topic=T)
class ClockBreached(ClockEvent):
    """The deadline passed before the clock was met. ``detected_at - deadline`` is the lag."""

    detected_at: datetime
    breach_number: int = 1


@event_type("closeloop.sla.clock.met.v1", topic=T)
class ClockMet(ClockEvent):
    """The clock stopped in time (or late, with ``late`` set)."""

    late: bool = False
    working_seconds: float
    budget_seconds: float | None = None  # the working time the clock allowed


@event_type("closeloop.sla.clock.cancelled.v1", topic=T)
class ClockCancelled(ClockEvent):
    """The clock no longer applies (reopened, archived, or dropped by a reapplied policy);
    it is neither met nor breached."""

    reason: str


@event_type("closeloop.sla.clock.retargeted.v1", topic=T)
class ClockRetargeted(ClockEvent):
    """An administrator reapplied changed policies: the clock now runs under
    ``policy_version`` with ``target`` in ``calendar``; ``deadline`` is the new deadline."""

    target: str  # ISO-8601 duration
    calendar: str


@event_type("closeloop.sla.calendar.coverage_exceeded.v1", topic=T)
class CalendarCoverageExceeded(ComplaintEvent):
    """A clock's deadline lies past the last date whose holidays its calendar has loaded:
    the days after ``covered_until`` count as ordinary working days until the calendar is
    refreshed (``closeloop calendars refresh``), so the deadline may be too early."""

    clock: str
    run: int = 1
    policy_id: str
    policy_version: int
    calendar: str  # the calendar version the clock counts in, e.g. "cn-mainland"
    deadline: datetime
    covered_until: date


@event_type("closeloop.sla.command.expire.v1", topic=SLA_COMMANDS.name)
class ExpireClock(ComplaintEvent):
    """Internal: a timer found a due instant; the stream processor fires it exactly once.
    ``due`` means "the clock's next warning or breach" (the timer does not tell them apart)."""

    clock: str
    kind: Literal["warning", "breach", "due"] = "due"
    due_at: datetime
    threshold: float | None = None
    run: int | None = None


@event_type("closeloop.sla.command.expire_due.v1", topic=SLA_COMMANDS.name)
class ExpireDue(EventData):
    """Internal: deadlines of table partition ``partition`` fell due by ``at``; the stream
    processor owning that partition fires every due warning and breach in it (one command
    per partition and tick instead of one per clock: far fewer records at scale)."""

    at: datetime
    partition: int


@event_type("closeloop.sla.command.reapply.v1", topic=SLA_COMMANDS.name)
class ReapplyPolicies(EventData):
    """Internal: move the running clocks of one partition onto the current policies and
    calendars, ``batch`` complaints at a time after key ``after`` (a continuation)."""

    at: datetime
    partition: int
    requested_by: str
    policy_revision: int
    calendar_revision: int
    after: str | None = None
