"""What a complaint contributes to the at-risk list: each clock still counting towards a
deadline (running, or breached and not yet met) with that deadline, plus the department,
severity and owner the list filters and shows. Computed once per row write (the calendar
arithmetic happens there, not per query) and stored in the row's index header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from closeloop_sla.domain.calendar import BusinessCalendar
from closeloop_sla.domain.clock_model import ClockPhase, deadline_of
from closeloop_sla.domain.complaint_clocks import ComplaintClocks, display_state
from closeloop_sla.domain.working_time import working_time_between

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class RiskClock:
    """One clock of the at-risk list: its deadline (µs since the epoch), the state people
    see, and what its remaining working time is computed from without decoding the row:
    ``left_us`` of budget when the current segment started at ``segment_start_us`` (None
    while paused: the remaining time is then ``left_us``), in ``calendar``."""

    deadline_us: int
    kind: str
    state: str  # running | warned | breached | paused (a paused clock only when breached)
    calendar: str
    left_us: int
    segment_start_us: int | None

    @property
    def breached(self) -> bool:
        return self.state == "breached"


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
        running = clock.phase is ClockPhase.RUNNING
        if not running and not breached:
            continue
        deadline = deadline_of(clock, calendar_of(clock.calendar)) if not breached else None
        deadline = deadline or clock.breached_at
        if deadline is None:
            continue
        start = clock.segment_start if running else None
        clocks.append(
            RiskClock(
                deadline_us=_micros(deadline),
                kind=clock.kind.value,
                state=display_state(clock),
                calendar=clock.calendar,
                left_us=(clock.budget - clock.accumulated) // _MICROSECOND,
                segment_start_us=_micros(start) if start is not None else None,
            )
        )
    return ComplaintRisk(state.department, state.attributes.severity, state.owner, tuple(clocks))


def remaining_working_time(
    clock: RiskClock, calendar: BusinessCalendar, now: datetime
) -> timedelta:
    """Working time left at ``now`` (negative when overdue), as ``clock_model`` counts it."""
    left = timedelta(microseconds=clock.left_us)
    if clock.segment_start_us is None:
        return left
    start = _EPOCH + timedelta(microseconds=clock.segment_start_us)
    return left - working_time_between(calendar, start, now) if now > start else left


def to_header(risk: ComplaintRisk) -> list[object]:
    """The JSON-ready form kept in a row's index header."""
    clocks = [
        [c.deadline_us, c.kind, c.state, c.calendar, c.left_us, c.segment_start_us]
        for c in risk.clocks
    ]
    return [risk.department, risk.severity, risk.owner, clocks]


def from_header(raw: list[Any]) -> ComplaintRisk:
    """The inverse of :func:`to_header`."""
    department, severity, owner, clocks = raw
    return ComplaintRisk(
        department,
        severity,
        owner,
        tuple(
            RiskClock(int(us), str(kind), str(state), str(cal), int(left), start)
            for us, kind, state, cal, left, start in clocks
        ),
    )


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // _MICROSECOND
