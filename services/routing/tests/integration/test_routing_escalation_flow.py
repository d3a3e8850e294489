"""Escalation and transfer through the real broker and database: a breach goes to the
supervisor, a second one to the leader, a redelivered breach escalates once; a warning
notifies and never lowers the level; a major complaint reaches the leader and the special
team at once; a transfer keeps the first-contact owner, a major complaint's leader and
special team, and its escalation level."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from closeloop_routing.service.transfer import transfer_complaint
from closeloop_routing.testing import (
    RoutingUnderTest,
    complaint_received,
    settings_for,
    start_routing,
    until,
)
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.routing import (
    ComplaintAssigned,
    ComplaintEscalated,
    ComplaintTransferred,
)
from closeloop_shared.events.sla import ClockBreached, ClockWarning

pytestmark = pytest.mark.integration


def _breach(cid: str, clock: str = "first_response") -> CloudEvent:
    now = datetime.now(UTC)
    body = ClockBreached(
        complaint_id=cid,
        at=now,
        clock=clock,
        policy_id="default",
        policy_version=1,
        severity="normal",
        deadline=now - timedelta(seconds=1),
        detected_at=now,
    )
    return CloudEvent.of(body, source="closeloop/sla", subject=cid)


def _warning(cid: str) -> CloudEvent:
    now = datetime.now(UTC)
    body = ClockWarning(
        complaint_id=cid,
        at=now,
        clock="resolution",
        policy_id="default",
        policy_version=1,
        threshold=0.75,
    )
    return CloudEvent.of(body, source="closeloop/sla", subject=cid)


async def _assigned(routing: RoutingUnderTest, event: CloudEvent) -> ComplaintAssigned:
    await routing.send(event)
    await until(lambda: _count(routing, event.subject, "assigned", 1))
    [assigned] = routing.watcher.data(event.subject, "assigned")
    assert isinstance(assigned, ComplaintAssigned)
    return assigned


async def _count(routing: RoutingUnderTest, cid: str, kind: str, n: int) -> bool:
    return len(routing.watcher.of(cid, kind)) >= n


async def test_breaches_escalate_to_the_supervisor_then_the_leader_once_per_event(
    routing: RoutingUnderTest,
) -> None:
    complaint = complaint_received()
    first = await _assigned(routing, complaint)
    assert first.department == "billing"
    cid = complaint.subject
    breach = _breach(cid)
    await routing.send(breach, breach)  # the second is a redelivery: same event id
    await routing.send(_breach(cid, "resolution"))
    await until(lambda: _count(routing, cid, "escalated", 2))

    escalations = routing.watcher.data(cid, "escalated")
    assert all(isinstance(e, ComplaintEscalated) for e in escalations)
    assert [(e.level, e.trigger, e.to[0]) for e in escalations] == [
        (1, "sla_breach", "billing-supervisor"),
        (2, "sla_breach", "billing-leader"),
    ]
    assert escalations[0].mode == "reassign" and escalations[0].clock == "first_response"
    owners = routing.watcher.data(cid, "assigned")
    assert [o.assignee for o in owners] == [
        first.assignee,
        "billing-supervisor",
        "billing-supervisor",
    ]
    assert owners[-1].co_owners == ["billing-leader"]
    record = await routing.ctx.complaints.get(cid)
    assert record is not None and record.breaches == 2
    released = await routing.ctx.agents.get(first.assignee)
    assert released is not None and released.open_count == 0


async def test_a_warning_notifies_the_assignee_and_the_supervisor(
    routing: RoutingUnderTest,
) -> None:
    complaint = complaint_received(category="delivery", text="物流太慢")
    assigned = await _assigned(routing, complaint)
    await routing.send(_warning(complaint.subject))
    await until(lambda: _count(routing, complaint.subject, "escalated", 1))
    [notice] = routing.watcher.data(complaint.subject, "escalated")
    assert (notice.level, notice.trigger, notice.mode) == (0, "sla_warning", "notify")
    assert notice.to == [assigned.assignee, "logistics-supervisor"]


async def test_a_major_complaint_goes_to_the_leader_and_special_team_at_once(
    routing: RoutingUnderTest,
) -> None:
    complaint = complaint_received(category="product_quality", severity="major", text="产品起火")
    assigned = await _assigned(routing, complaint)
    await until(lambda: _count(routing, complaint.subject, "escalated", 1))
    [escalation] = routing.watcher.data(complaint.subject, "escalated")
    assert (escalation.level, escalation.trigger, escalation.mode) == (
        2,
        "major_complaint",
        "special_team",
    )
    assert escalation.to[0] == "quality-leader"
    assert assigned.co_owners == ["quality-leader", "legal-1", "tech-1"]


async def test_a_transfer_is_recorded_and_keeps_the_first_contact_owner(
    routing: RoutingUnderTest,
) -> None:
    complaint = complaint_received(received_by="cs-agent-2")
    before = await _assigned(routing, complaint)
    cid = complaint.subject

    record = await transfer_complaint(
        routing.ctx, cid, "logistics", "it is a delivery problem", "billing-supervisor"
    )
    await until(lambda: _count(routing, cid, "assigned", 2))

    [transferred] = routing.watcher.data(cid, "transferred")
    assert isinstance(transferred, ComplaintTransferred)
    assert (transferred.from_department, transferred.to_department) == ("billing", "logistics")
    assert transferred.first_contact_owner == "cs-agent-2"
    assert transferred.by == "billing-supervisor"
    assert transferred.reason == "it is a delivery problem"
    after = routing.watcher.data(cid, "assigned")[-1]
    assert after.department == "logistics" and after.assignee.startswith("logistics-agent")
    assert record.ownership.first_contact_owner == "cs-agent-2"
    assert record.doc["transfers"][0]["previous_assignee"] == before.assignee
    previous = await routing.ctx.agents.get(before.assignee)
    assert previous is not None and previous.open_count == 0


async def test_a_warning_after_a_breach_keeps_level_one(routing: RoutingUnderTest) -> None:
    complaint = complaint_received(category="delivery", text="物流太慢")
    await _assigned(routing, complaint)
    cid = complaint.subject
    await routing.send(_breach(cid))
    await until(lambda: _count(routing, cid, "escalated", 1))
    await routing.send(_warning(cid))
    await until(lambda: _count(routing, cid, "escalated", 2))
    levels = [(e.level, e.trigger) for e in routing.watcher.data(cid, "escalated")]
    assert levels == [(1, "sla_breach"), (1, "sla_warning")]
    record = await routing.ctx.complaints.get(cid)
    assert record is not None and record.escalation_level == 1


async def test_a_transfer_keeps_a_major_complaints_special_team_and_level(
    routing: RoutingUnderTest,
) -> None:
    complaint = complaint_received(category="product_quality", severity="major", text="产品起火")
    await _assigned(routing, complaint)
    cid = complaint.subject
    record = await transfer_complaint(routing.ctx, cid, "logistics", "运输损坏", "quality-leader")
    assert record.escalation_level == 2
    assert record.ownership.co_owners[:3] == ("quality-leader", "legal-1", "tech-1")
    await until(lambda: _count(routing, cid, "assigned", 2))
    after = routing.watcher.data(cid, "assigned")[-1]
    assert after.department == "logistics"
    assert after.co_owners[:3] == ["quality-leader", "legal-1", "tech-1"]
    # A first breach in the new department stays with a leader (level 2), not level 1.
    await routing.send(_breach(cid))
    await until(lambda: _count(routing, cid, "escalated", 2))
    breach = routing.watcher.data(cid, "escalated")[-1]
    assert (breach.level, breach.to[0]) == (2, "logistics-leader")


@pytest.fixture
async def co_owner_routing(
    kafka_bootstrap: str, mongo_uri: str, unique_name: Callable[[str], str]
) -> AsyncIterator[RoutingUnderTest]:
    """Routing with CLOSELOOP_ROUTING_BREACH_MODE=co_owner."""
    settings = settings_for(
        kafka_bootstrap, mongo_uri, unique_name("")[-28:], routing_breach_mode="co_owner"
    )
    async for running in start_routing(settings):
        yield running


async def test_in_co_owner_mode_a_breach_adds_the_supervisor_beside_the_assignee(
    co_owner_routing: RoutingUnderTest,
) -> None:
    routing = co_owner_routing
    complaint = complaint_received(category="delivery", text="物流太慢")
    first = await _assigned(routing, complaint)
    await routing.send(_breach(complaint.subject))
    await until(lambda: _count(routing, complaint.subject, "assigned", 2))
    [escalation] = routing.watcher.data(complaint.subject, "escalated")
    assert (escalation.level, escalation.mode) == (1, "co_owner")
    after = routing.watcher.data(complaint.subject, "assigned")[-1]
    assert (after.assignee, after.co_owners) == (first.assignee, ["logistics-supervisor"])
