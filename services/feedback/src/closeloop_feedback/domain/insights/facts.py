"""What the insights read model knows about one complaint, as plain values: its intake
attributes, who handles it, and what happened to it (status changes, resolutions, SLA
clock outcomes, survey answers), each with the instant it happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

UNASSIGNED = "(unassigned)"
HANDLING_CLOCKS = ("first_response", "initial_solution", "resolution")


class StatusGroup(StrEnum):
    """Open (still being handled), resolved (decision given) or closed (closed, archived)."""

    open = "open"
    resolved = "resolved"
    closed = "closed"


_GROUPS = {
    "resolved": StatusGroup.resolved,
    "closed": StatusGroup.closed,
    "archived": StatusGroup.closed,
}


def status_group(status: str) -> StatusGroup:
    """The group of a lifecycle status; every status not resolved or closed is open."""
    return _GROUPS.get(status, StatusGroup.open)


@dataclass(frozen=True)
class StatusChange:
    """A lifecycle change: ``change`` is the event (``resolved``, ``reopened``...),
    ``status`` the status it led to, ``version`` the complaint version."""

    at: datetime
    version: int
    status: str
    change: str


@dataclass(frozen=True)
class Resolution:
    """A decision; a remedy is granted when one was described or compensation paid."""

    at: datetime
    outcome: str
    remedy_granted: bool
    compensation_amount: float | None = None
    compensation_currency: str | None = None


@dataclass(frozen=True)
class ClockOutcome:
    """An SLA clock run that ended (``met``, late or not) or breached its deadline."""

    at: datetime
    clock: str
    met: bool
    late: bool = False
    working_seconds: float | None = None
    severity: str | None = None
    deadline: datetime | None = None
    run: int = 1  # a reopened complaint restarts its clocks: run 2, 3...

    @property
    def breached(self) -> bool:
        return not self.met


@dataclass(frozen=True)
class SurveyAnswer:
    """A satisfaction survey answer (score 1-5 and whether the problem was solved)."""

    at: datetime
    score: int
    solved: bool


@dataclass(frozen=True)
class ComplaintFacts:
    """One complaint as the insights read model holds it (no personal data)."""

    complaint_id: str
    received_at: datetime | None = None
    channel: str = "other"
    kind: str = "complaint"
    category: str = "other"
    severity: str = "normal"
    pseudonym: str | None = None
    department: str | None = None
    agent: str | None = None
    terms: tuple[str, ...] = ()
    statuses: tuple[StatusChange, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    clocks: tuple[ClockOutcome, ...] = field(default=(), repr=False)
    surveys: tuple[SurveyAnswer, ...] = ()

    def status_at(self, instant: datetime) -> str:
        """The status the complaint had just before ``instant`` (the newest version of the
        changes made before it; ``received`` when none was)."""
        before = [c for c in self.statuses if c.at < instant]
        if not before:
            return "received"
        return max(before, key=lambda c: (c.version, c.at)).status

    @property
    def current_status(self) -> str:
        """The status of the newest version known."""
        if not self.statuses:
            return "received"
        return max(self.statuses, key=lambda c: (c.version, c.at)).status

    def was(self, change: str) -> bool:
        """True when a change of this kind ever happened (``reopened``, ``resolved``...)."""
        return any(c.change == change for c in self.statuses)

    def group_key(self, by: str) -> str:
        """The department or the agent handling the complaint (or ``(unassigned)``)."""
        value = self.department if by == "department" else self.agent
        return value or UNASSIGNED
