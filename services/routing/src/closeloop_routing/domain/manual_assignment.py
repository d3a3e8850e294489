"""Who may take or be assigned a complaint by hand, and when it needs a reason (R3).

An agent takes a queued complaint of one of their departments while they are available
and below capacity. A supervisor may assign a complaint to any member of its department;
beyond the agent's capacity (or while they are off duty) only with a reason, which is
kept with the complaint. A take or assignment already in force is not an error: it is
answered as done, so a retried request is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass

from closeloop_routing.domain.ownership import Ownership, Placement


class AssignmentRefused(Exception):
    """A take or assignment that cannot happen: the HTTP status it maps to, why, and the
    request field at fault (if one is)."""

    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Capacity:
    """An agent as the staff directory knows them: departments, load and availability."""

    departments: frozenset[str]
    open_count: int
    capacity: int
    available: bool

    @property
    def full(self) -> bool:
        return not self.available or self.open_count >= self.capacity

    def describe(self) -> str:
        if not self.available:
            return "is not available"
        return f"is at capacity ({self.open_count} of {self.capacity})"


@dataclass(frozen=True)
class AssignDecision:
    """``already``: nothing to do; ``over_capacity``: the reason given allows it."""

    already: bool
    over_capacity: bool = False


def _refuse_done(placement: Placement) -> None:
    if placement is Placement.DONE:
        raise AssignmentRefused(409, "the complaint is resolved or closed")


def check_take(
    placement: Placement, ownership: Ownership, agent_id: str, agent: Capacity | None
) -> bool:
    """Whether ``agent_id`` may take the complaint; True if it is theirs already.
    Raises :class:`AssignmentRefused` (403 other department, 409 taken/full/done)."""
    if agent is None or ownership.department not in agent.departments:
        works_in = sorted(agent.departments) if agent else []
        raise AssignmentRefused(
            403,
            f"the complaint belongs to department '{ownership.department}'; "
            f"agent '{agent_id}' works in {works_in}",
        )
    _refuse_done(placement)
    if placement is Placement.ASSIGNED:
        if ownership.assignee == agent_id:
            return True
        raise AssignmentRefused(409, "the complaint is already assigned to another agent")
    if agent.full:
        raise AssignmentRefused(409, f"agent '{agent_id}' {agent.describe()}")
    return False


def check_assign(
    placement: Placement,
    ownership: Ownership,
    agent_id: str,
    agent: Capacity | None,
    reason: str | None,
) -> AssignDecision:
    """Whether the complaint may be given to ``agent_id``. Raises
    :class:`AssignmentRefused` (422 naming ``agent`` or ``reason``, 409 done)."""
    if agent is None:
        raise AssignmentRefused(422, f"unknown agent '{agent_id}'", field="agent")
    if ownership.department not in agent.departments:
        raise AssignmentRefused(
            422,
            f"agent '{agent_id}' is not a member of department '{ownership.department}'",
            field="agent",
        )
    _refuse_done(placement)
    if placement is Placement.ASSIGNED and ownership.assignee == agent_id:
        return AssignDecision(already=True)
    if agent.full and not (reason and reason.strip()):
        raise AssignmentRefused(
            422,
            f"agent '{agent_id}' {agent.describe()}; an over-capacity assignment needs a reason",
            field="reason",
        )
    return AssignDecision(already=False, over_capacity=agent.full)
