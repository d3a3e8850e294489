"""Escalation levels: warnings notify, breaches go to the supervisor then the leader,
major complaints go to the leader with the special team."""

from __future__ import annotations

import pytest

from closeloop_routing.domain.escalation import (
    BreachAction,
    Department,
    EscalationAction,
    EscalationLevel,
    EscalationPolicy,
    Notify,
    on_major_complaint,
    on_sla_breach,
    on_sla_warning,
    raised_level,
)

BILLING = Department(
    id="billing",
    name="账务部",
    supervisor="sup-1",
    leader="lead-1",
    members=("agent-1", "agent-2"),
    special_team=("legal-1", "tech-1"),
)
REASSIGN = EscalationPolicy(BreachAction.REASSIGN)
CO_OWNER = EscalationPolicy(BreachAction.CO_OWNER)


def test_a_warning_notifies_the_assignee_and_the_supervisor_at_level_zero() -> None:
    assert on_sla_warning(BILLING, "agent-1", "first_response") == [
        Notify(("agent-1", "sup-1"), 0, "SLA clock 'first_response' reached its warning threshold")
    ]


def test_a_warning_on_an_unassigned_complaint_says_so_to_the_supervisor() -> None:
    [notify] = on_sla_warning(BILLING, None, "resolution")
    assert notify.targets == ("sup-1",)
    assert "no assignee" in notify.reason


@pytest.mark.parametrize(
    ("policy", "breaches", "assignee", "level", "action", "owner", "co_owners"),
    [
        (REASSIGN, 1, "agent-1", 1, "reassign", "sup-1", ()),
        (CO_OWNER, 1, "agent-1", 1, "co_owner", "agent-1", ("sup-1",)),
        (CO_OWNER, 1, None, 1, "reassign", "sup-1", ()),
        (REASSIGN, 1, "sup-1", 2, "report_to_leader", "sup-1", ("lead-1",)),
        (REASSIGN, 2, "sup-1", 2, "report_to_leader", "sup-1", ("lead-1",)),
        (CO_OWNER, 2, "agent-1", 2, "report_to_leader", "agent-1", ("lead-1",)),
        (REASSIGN, 5, None, 2, "report_to_leader", "sup-1", ("lead-1",)),
        (EscalationPolicy(leader_after_breaches=1), 1, "agent-1", 2, "report_to_leader",
         "agent-1", ("lead-1",)),
        (EscalationPolicy(leader_after_breaches=3), 2, "agent-1", 1, "reassign", "sup-1", ()),
    ],
)  # fmt: skip
def test_breach_escalation_levels(
    policy: EscalationPolicy,
    breaches: int,
    assignee: str | None,
    level: int,
    action: str,
    owner: str,
    co_owners: tuple[str, ...],
) -> None:
    escalation = on_sla_breach(BILLING, assignee, "resolution", breaches, policy)
    assert escalation.level == EscalationLevel(level)
    assert escalation.to == ("sup-1" if level == 1 else "lead-1")
    assert escalation.action == EscalationAction(action)
    assert (escalation.owner, escalation.co_owners) == (owner, co_owners)
    assert escalation.to in escalation.notify
    assert f"breach {breaches}" in escalation.reason


def test_the_same_breach_count_always_gives_the_same_decision() -> None:
    first = on_sla_breach(BILLING, "agent-1", "resolution", 1, REASSIGN)
    assert on_sla_breach(BILLING, "agent-1", "resolution", 1, REASSIGN) == first


def test_a_breach_count_below_one_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        on_sla_breach(BILLING, "agent-1", "resolution", 0)
    with pytest.raises(ValueError, match="leader_after_breaches"):
        EscalationPolicy(leader_after_breaches=0)


def test_a_major_complaint_goes_to_the_leader_with_the_special_team() -> None:
    escalation = on_major_complaint(BILLING, "agent-1")
    assert escalation.level is EscalationLevel.LEADER
    assert escalation.to == "lead-1"
    assert escalation.action is EscalationAction.SPECIAL_TEAM
    assert escalation.owner == "agent-1"
    assert escalation.co_owners == ("lead-1", "legal-1", "tech-1")
    assert escalation.notify == ("lead-1", "sup-1", "agent-1", "legal-1", "tech-1")
    assert "special team" in escalation.reason


def test_a_major_complaint_without_a_special_team_still_reaches_the_leader() -> None:
    lone = Department("ops", "运营部", supervisor="sup-2", leader="lead-2")
    escalation = on_major_complaint(lone, None)
    assert (escalation.to, escalation.owner, escalation.co_owners) == (
        "lead-2",
        "sup-2",
        ("lead-2",),
    )
    assert "no special team" in escalation.reason


def test_a_later_warning_does_not_lower_the_escalation_level() -> None:
    """A warning after a breach (level 1) reports level 1, not 0: escalation never moves
    down; once the leader has the complaint, warnings reach them too."""
    [after_breach] = on_sla_warning(BILLING, "sup-1", "resolution", current_level=1)
    assert after_breach.level == 1 and after_breach.targets == ("sup-1",)
    [with_leader] = on_sla_warning(BILLING, "agent-1", "resolution", current_level=2)
    assert with_leader.level == 2 and with_leader.targets == ("agent-1", "sup-1", "lead-1")
    assert [raised_level(1, 0), raised_level(2, 1), raised_level(0, 1)] == [1, 2, 1]


def test_a_first_breach_of_a_major_complaint_stays_with_the_leader() -> None:
    """A major complaint is at level 2 from the start; its first breach must not bring it
    back to the supervisor (level 1)."""
    escalation = on_sla_breach(BILLING, "agent-1", "resolution", 1, REASSIGN, current_level=2)
    assert escalation.level is EscalationLevel.LEADER and escalation.to == "lead-1"
    assert escalation.owner == "agent-1"
    plain = on_sla_breach(BILLING, "agent-1", "resolution", 1, REASSIGN, current_level=0)
    assert plain.level is EscalationLevel.SUPERVISOR
