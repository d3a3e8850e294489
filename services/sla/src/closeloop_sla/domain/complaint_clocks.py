"""The clock set of one complaint: its attributes, its policy version, its department and
one :class:`Clock` per kind it runs. This is the value the engine keeps per complaint (one
table row), so the questions asked of it at scale (what falls due next, in which state is
each clock) are answered here without I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from closeloop_sla.domain.calendar import BusinessCalendar
from closeloop_sla.domain.clock import Clock, ClockPhase, DueInstant, due_instants
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.policy import ComplaintAttributes

APPLIED_KEPT = 64  # input event ids remembered per complaint (redelivery is recent)
_KIND_ORDER = {kind: position for position, kind in enumerate(ClockKind)}
CalendarLookup = Callable[[str], BusinessCalendar]


@dataclass(frozen=True, slots=True, kw_only=True)
class ComplaintClocks:
    """Every clock of one complaint, in :class:`ClockKind` order."""

    complaint_id: str
    attributes: ComplaintAttributes
    policy_id: str
    policy_version: int
    department: str | None = None
    owner: str | None = None  # the assigned agent (routing), shown on the at-risk list
    clocks: tuple[Clock, ...] = ()
    applied: tuple[str, ...] = ()

    def clock(self, kind: ClockKind) -> Clock | None:
        """The clock of ``kind``, or ``None`` when it never started."""
        return next((c for c in self.clocks if c.kind == kind), None)

    def with_clock(self, clock: Clock) -> ComplaintClocks:
        """A copy with ``clock`` added or replacing the clock of its kind."""
        others = [c for c in self.clocks if c.kind != clock.kind]
        ordered = sorted([*others, clock], key=lambda c: _KIND_ORDER[c.kind])
        return self._copy(self.applied, tuple(ordered))

    def has_applied(self, event_id: str) -> bool:
        """True when the input event ``event_id`` was already applied (a redelivery)."""
        return event_id in self.applied

    def remember(self, event_id: str) -> ComplaintClocks:
        """A copy that records ``event_id`` as applied (the oldest ids are forgotten)."""
        return self._copy((*self.applied, event_id)[-APPLIED_KEPT:], self.clocks)

    def _copy(self, applied: tuple[str, ...], clocks: tuple[Clock, ...]) -> ComplaintClocks:
        # the constructor, not dataclasses.replace: once or twice per processed event
        return ComplaintClocks(
            complaint_id=self.complaint_id,
            attributes=self.attributes,
            policy_id=self.policy_id,
            policy_version=self.policy_version,
            department=self.department,
            owner=self.owner,
            clocks=clocks,
            applied=applied,
        )

    @property
    def open_clocks(self) -> tuple[Clock, ...]:
        """Clocks still running or paused."""
        return tuple(c for c in self.clocks if c.is_open)


def next_due(state: ComplaintClocks, calendar_of: CalendarLookup) -> list[tuple[Clock, DueInstant]]:
    """For each running clock, the first warning or breach still to fire, earliest first."""
    due: list[tuple[Clock, DueInstant]] = []
    for clock in state.clocks:
        if clock.phase is ClockPhase.RUNNING and clock.breached_at is None:
            pending = due_instants(clock, calendar_of(clock.calendar))
            if pending:
                due.append((clock, pending[0]))
    return sorted(due, key=lambda pair: pair[1].instant)


def display_state(clock: Clock) -> str:
    """The state people see: ``running``, ``paused``, ``warned`` (a warning fired, not yet
    breached), ``breached``, ``met`` or ``cancelled``. A late stop stays ``breached``."""
    if clock.breached_at is not None:
        return "breached"
    if clock.phase is ClockPhase.STOPPED:
        return "met"
    if clock.phase is ClockPhase.CANCELLED:
        return "cancelled"
    if clock.warnings_fired:
        return "warned"
    return "paused" if clock.phase is ClockPhase.PAUSED else "running"


def open_states(state: ComplaintClocks) -> list[str]:
    """What the ``clocks_open`` gauge counts for each open clock: ``breached``, ``paused``
    or ``running`` (a warned clock still runs)."""
    return [
        "breached"
        if clock.breached_at is not None
        else "paused"
        if clock.phase is ClockPhase.PAUSED
        else "running"
        for clock in state.open_clocks
    ]


def latest_instant(state: ComplaintClocks) -> datetime | None:
    """The latest instant any clock has recorded (time never runs backwards for a clock)."""
    return max((c.updated_at for c in state.clocks), default=None)
