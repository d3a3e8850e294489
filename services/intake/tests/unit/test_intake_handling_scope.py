"""Agents act only on complaints of their departments, their own, or those they received."""

import pytest

from closeloop_intake.domain.handling_scope import Handling, agent_may_act, may_act
from closeloop_intake.domain.lifecycle import Role

OWNED = Handling(
    department="customer_service",
    assignee="cs-1",
    co_owners=("leader-1",),
    received_by="front-1",
    first_contact_owner="front-1",
)


@pytest.mark.parametrize(
    ("sub", "departments", "may"),
    [
        ("cs-1", (), True),  # the assignee
        ("leader-1", ("logistics",), True),  # a co-owner (special team)
        ("front-1", ("logistics",), True),  # first received it
        ("cs-2", ("customer_service",), True),  # a colleague of the department
        ("log-1", ("logistics",), False),  # issue 17: another department, not theirs
        ("nobody", (), False),
    ],
)
def test_agents_act_on_their_departments_own_and_received_complaints(
    sub: str, departments: tuple[str, ...], may: bool
) -> None:
    assert agent_may_act(sub, departments, OWNED) is may


def test_an_unrouted_complaint_is_only_its_receivers() -> None:
    unrouted = Handling(None, None, (), "front-1", "front-1")
    assert agent_may_act("front-1", (), unrouted)
    assert not agent_may_act("cs-2", ("customer_service",), unrouted)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM])
def test_supervisors_admins_and_systems_act_across_departments(role: Role) -> None:
    assert may_act({role}, "x", ("logistics",), OWNED)
    assert may_act({role, Role.AGENT}, "x", ("logistics",), OWNED)


def test_an_agent_role_alone_is_limited() -> None:
    assert not may_act({Role.AGENT}, "log-1", ("logistics",), OWNED)
    assert may_act({Role.AGENT}, "cs-1", (), OWNED)
