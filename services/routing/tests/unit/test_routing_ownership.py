"""Ownership: escalations change owners and co-owners, transfers keep the first contact."""

from __future__ import annotations

from closeloop_routing.domain.departments import Department
from closeloop_routing.domain.escalation import (
    BreachAction,
    EscalationPolicy,
    on_major_complaint,
    on_sla_breach,
)
from closeloop_routing.domain.ownership import (
    ESCALATION_MODES,
    Ownership,
    Placement,
    apply_escalation,
    escalation_targets,
    transfer_to,
    with_assignee,
)

BILLING = Department("billing", "账务部", "sup-1", "lead-1", ("agent-1",), ("legal-1",))
OWNED = Ownership("billing", "agent-1", (), "cs-agent-7")


def test_a_reassigning_breach_hands_the_complaint_to_the_supervisor() -> None:
    escalation = on_sla_breach(BILLING, "agent-1", "resolution", 1)
    after = apply_escalation(OWNED, escalation)
    assert (after.assignee, after.co_owners) == ("sup-1", ())
    assert after.first_contact_owner == "cs-agent-7"
    assert ESCALATION_MODES[escalation.action] == "reassign"


def test_a_co_owner_breach_keeps_the_assignee_and_adds_the_supervisor() -> None:
    policy = EscalationPolicy(BreachAction.CO_OWNER)
    after = apply_escalation(OWNED, on_sla_breach(BILLING, "agent-1", "resolution", 1, policy))
    assert (after.assignee, after.co_owners) == ("agent-1", ("sup-1",))


def test_the_leader_joins_the_co_owners_on_a_repeated_breach_without_duplicates() -> None:
    policy = EscalationPolicy(BreachAction.CO_OWNER)
    once = apply_escalation(OWNED, on_sla_breach(BILLING, "agent-1", "x", 1, policy))
    twice = apply_escalation(once, on_sla_breach(BILLING, "agent-1", "x", 2, policy))
    thrice = apply_escalation(twice, on_sla_breach(BILLING, "agent-1", "x", 3, policy))
    assert thrice.co_owners == ("sup-1", "lead-1")


def test_a_queued_major_complaint_is_owned_by_the_supervisor_with_leader_and_team() -> None:
    queued = Ownership("billing", None, (), None)
    assert queued.placement is Placement.QUEUED
    escalation = on_major_complaint(BILLING, None)
    after = apply_escalation(queued, escalation)
    assert after.placement is Placement.ASSIGNED
    assert (after.assignee, after.co_owners) == ("sup-1", ("lead-1", "legal-1"))
    assert escalation_targets(escalation) == ["lead-1", "legal-1", "sup-1"]


def test_a_transfer_keeps_only_the_first_contact_owner() -> None:
    escalated = Ownership("billing", "sup-1", ("lead-1",), "cs-agent-7")
    assert transfer_to(escalated, "logistics") == Ownership("logistics", None, (), "cs-agent-7")


def test_a_transfer_keeps_a_major_complaints_leader_and_special_team() -> None:
    escalation = on_major_complaint(BILLING, "agent-1")
    major = apply_escalation(OWNED, escalation)
    breached = apply_escalation(major, on_sla_breach(BILLING, "agent-1", "x", 1, CO))
    assert breached.co_owners == ("lead-1", "legal-1", "sup-1")
    moved = transfer_to(breached, "logistics", keep=escalation.co_owners)
    # The old department's supervisor leaves; the leader and the special team stay.
    assert moved == Ownership("logistics", None, ("lead-1", "legal-1"), "cs-agent-7")


def test_an_assignee_who_was_a_co_owner_is_no_longer_listed_twice() -> None:
    kept = Ownership("logistics", None, ("lead-1", "legal-1"), "cs-agent-7")
    assert with_assignee(kept, "legal-1").co_owners == ("lead-1",)
    assert with_assignee(kept, None) == kept


CO = EscalationPolicy(BreachAction.CO_OWNER)
