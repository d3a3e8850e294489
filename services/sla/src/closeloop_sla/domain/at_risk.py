"""What a complaint contributes to the at-risk list: each clock still counting towards a
deadline (running, or breached and not yet met) with that deadline, plus the department,
severity and owner the list filters and shows. Computed once per row write (the calendar
arithmetic happens there, not per query) and stored in the row's index header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from closeloop_sla.domain.calendar import BusinessCalendar
from closeloop_sla.domain.clock_model import ClockPhase, deadline_of
from closeloop_sla.domain.complaint_clocks import ComplaintClocks

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class RiskClock:
    """One clock on the at-risk list: its deadline (microseconds since the epoch) and
    whether it already breached."""

    deadline_us: int
    kind: str
    breached: bool


@dataclass(frozen=True, slots=True)
class ComplaintRisk:
    """A complaint's at-risk clocks and what the list filters and shows of it."""

    department: str | None
    severity: str | None
    owner: str | None
    clocks: tuple[RiskClock, ...]


def risk_of(
    state: ComplaintClocks, calendar_of: Callable[[str], BusinessCalendar]
) -> ComplaintRisk:
    """The clocks of ``state`` that run towards a deadline or breached it while open (a
    paused clock has no deadline until it resumes)."""
    clocks = []
    for clock in state.clocks:
        if not clock.is_open:
            continue
        breached = clock.breached_at is not None
        if clock.phase is not ClockPhase.RUNNING and not breached:
            continue
        deadline = deadline_of(clock, calendar_of(clock.calendar)) if not breached else None
        deadline = deadline or clock.breached_at
        if deadline is not None:
            micros = (deadline - _EPOCH) // _MICROSECOND
            clocks.append(RiskClock(micros, clock.kind.value, breached))
    return ComplaintRisk(state.department, state.attributes.severity, state.owner, tuple(clocks))


def to_header(risk: ComplaintRisk) -> list[object]:
    """The JSON-ready form kept in a row's index header."""
    clocks = [[c.deadline_us, c.kind, c.breached] for c in risk.clocks]
    return [risk.department, risk.severity, risk.owner, clocks]


def from_header(raw: list[object]) -> ComplaintRisk:
    """The inverse of :func:`to_header`."""
    department, severity, owner, clocks = raw
    assert isinstance(clocks, list)
    return ComplaintRisk(
        department if isinstance(department, str) else None,
        severity if isinstance(severity, str) else None,
        owner if isinstance(owner, str) else None,
        tuple(RiskClock(int(us), str(kind), bool(b)) for us, kind, b in clocks),
    )
