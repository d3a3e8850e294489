"""Request and response bodies of the sla API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from closeloop_sla.adapters.policy_documents import (
    CalendarDoc,
    CalendarRead,
    PolicyDoc,
    PolicyRead,
)


class PolicySetWrite(BaseModel):
    """The complete policy set to make current (the server assigns versions)."""

    policies: list[PolicyDoc] = Field(min_length=1)


class PolicySetRead(BaseModel):
    """The current policy set; ``revision`` counts stored sets (0: built-in defaults)."""

    revision: int
    policies: list[PolicyRead]
    reapplied: bool = False


class ReapplyAccepted(BaseModel):
    """Running clocks are being moved onto the current policies, partition by partition."""

    policy_revision: int
    calendar_revision: int
    partitions: int


class CalendarSetWrite(BaseModel):
    """The complete set of named calendars (``business`` and ``24x7`` are built in)."""

    calendars: list[CalendarDoc]


class CalendarSetRead(BaseModel):
    """The current calendars, built-ins included."""

    revision: int
    calendars: list[CalendarRead]


class ExtensionRead(BaseModel):
    """An extension granted to a clock, with its recorded reason."""

    at: datetime
    reason: str
    consented: bool
    added_seconds: float
    new_deadline: datetime | None = None


class ClockRead(BaseModel):
    """One clock: its deadline, working time used and left, and its state."""

    clock: str
    state: str = Field(description="running, paused, warned, breached, met or cancelled")
    paused: bool
    deadline: datetime | None = Field(
        description="when it breaches (running clocks), or "
        "the deadline that passed (breached clocks)"
    )
    elapsed_working_seconds: float
    remaining_working_seconds: float
    target: str
    calendar: str
    policy_id: str
    policy_version: int
    run: int
    started_at: datetime
    warnings_fired: list[float]
    breached_at: datetime | None = None
    met_at: datetime | None = None
    extensions: list[ExtensionRead] = []


class ComplaintClocksRead(BaseModel):
    """Every clock of one complaint."""

    complaint_id: str
    policy_id: str
    policy_version: int
    department: str | None
    severity: str | None
    clocks: list[ClockRead]


class AtRiskClockRead(BaseModel):
    """One clock on the at-risk list."""

    complaint_id: str
    clock: str
    deadline: datetime
    remaining_working_seconds: float = Field(
        description="working time left in the clock's calendar; negative when overdue"
    )
    state: str = Field(description="running, warned (a warning fired) or breached")
    owner: str | None = Field(default=None, description="the assigned agent, if any")
    department: str | None = None
    severity: str | None = None


class AtRiskPage(BaseModel):
    """Clocks running or breached with a deadline by ``until``, most urgent first."""

    as_of: datetime
    until: datetime
    items: list[AtRiskClockRead]
    truncated: bool = Field(description="true when more clocks matched than ``limit``")
