"""Who may take or be assigned a complaint by hand, and when a reason is needed."""

from __future__ import annotations

import pytest

from closeloop_routing.domain.manual_assignment import (
    AssignmentRefused,
    Capacity,
    check_assign,
    check_take,
)
from closeloop_routing.domain.ownership import Ownership, Placement

QUEUED = Ownership(department="billing")
MINE = Ownership(department="billing", assignee="a1")


def _agent(open_count: int = 0, capacity: int = 5, *, available: bool = True) -> Capacity:
    return Capacity(frozenset({"billing"}), open_count, capacity, available)


def test_an_agent_takes_a_queued_complaint_of_their_department_within_capacity() -> None:
    assert check_take(Placement.QUEUED, QUEUED, "a1", _agent(4, 5)) is False


def test_taking_what_one_holds_already_is_idempotent() -> None:
    assert check_take(Placement.ASSIGNED, MINE, "a1", _agent(5, 5)) is True


@pytest.mark.parametrize(
    ("placement", "ownership", "agent", "status", "says"),
    [
        (Placement.QUEUED, QUEUED, None, 403, "works in []"),
        (
            Placement.QUEUED,
            Ownership(department="logistics"),
            _agent(),
            403,
            "department 'logistics'",
        ),
        (Placement.ASSIGNED, MINE, _agent(), 409, "another agent"),
        (Placement.DONE, QUEUED, _agent(), 409, "resolved or closed"),
        (Placement.QUEUED, QUEUED, _agent(5, 5), 409, "capacity (5 of 5)"),
        (Placement.QUEUED, QUEUED, _agent(available=False), 409, "not available"),
    ],
)
def test_a_take_is_refused_with_the_status_and_reason(
    placement: Placement, ownership: Ownership, agent: Capacity | None, status: int, says: str
) -> None:
    who = "a2" if placement is Placement.ASSIGNED else "a1"
    with pytest.raises(AssignmentRefused) as refused:
        check_take(placement, ownership, who, agent)
    assert refused.value.status == status and says in refused.value.message


def test_an_assignment_within_capacity_needs_no_reason() -> None:
    decision = check_assign(Placement.QUEUED, QUEUED, "a1", _agent(1, 5), None)
    assert (decision.already, decision.over_capacity) == (False, False)


def test_an_over_capacity_assignment_needs_a_reason_naming_the_field() -> None:
    for reason in (None, "  "):
        with pytest.raises(AssignmentRefused) as refused:
            check_assign(Placement.QUEUED, QUEUED, "a1", _agent(5, 5), reason)
        assert (refused.value.status, refused.value.field) == (422, "reason")
    decision = check_assign(Placement.ASSIGNED, MINE, "a2", _agent(5, 5), "VIP")
    assert (decision.already, decision.over_capacity) == (False, True)
    off = check_assign(Placement.QUEUED, QUEUED, "a1", _agent(available=False), "on call")
    assert off.over_capacity is True


def test_assigning_to_the_current_assignee_is_idempotent() -> None:
    assert check_assign(Placement.ASSIGNED, MINE, "a1", _agent(9, 5), None).already is True


def test_an_assignment_to_an_unknown_or_foreign_agent_names_the_agent_field() -> None:
    for agent in (None, Capacity(frozenset({"logistics"}), 0, 5, True)):
        with pytest.raises(AssignmentRefused) as refused:
            check_assign(Placement.QUEUED, QUEUED, "a9", agent, "x")
        assert (refused.value.status, refused.value.field) == (422, "agent")
    with pytest.raises(AssignmentRefused) as done:
        check_assign(Placement.DONE, QUEUED, "a1", _agent(), None)
    assert done.value.status == 409
