"""Routing through the real broker and database: received complaints are routed and
assigned, closing one frees its agent for the queue, and an agent coming on duty takes
what waits."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from closeloop_routing.service import events
from closeloop_routing.service.lifecycle import on_complaint_finished, on_complaint_reopened
from closeloop_routing.testing import RoutingUnderTest, complaint_received, until
from closeloop_shared.events.envelope import CloudEvent, source_of
from closeloop_shared.events.intake import (
    ChangeEvent,
    ComplaintClosed,
    ComplaintReopened,
    ComplaintResolved,
)
from closeloop_shared.events.routing import ComplaintAssigned, ComplaintRouted

pytestmark = pytest.mark.integration

EXPECTED_DEPARTMENT = {
    "billing": "billing",
    "delivery": "logistics",
    "product_quality": "product_quality",
    "other": "customer_service",
}
NEUTRAL_TEXT = "服务态度一般"  # matches no keyword rule, so the category decides


async def _set_all_capacities(routing: RoutingUnderTest, capacity: int) -> None:
    for agent in await routing.ctx.agents.list():
        await routing.ctx.agents.update(agent.id, {"capacity": capacity})


async def test_received_complaints_at_50_per_second_are_all_routed_and_assigned(
    routing: RoutingUnderTest,
) -> None:
    await _set_all_capacities(routing, 1000)
    categories = list(EXPECTED_DEPARTMENT)
    sent: dict[str, str] = {}
    loop = asyncio.get_running_loop()
    start = loop.time()
    for n in range(250):  # 50 complaints/s for 5 s
        await asyncio.sleep(max(0.0, start + n / 50 - loop.time()))
        event = complaint_received(category=categories[n % 4], text=NEUTRAL_TEXT)
        sent[event.subject] = categories[n % 4]
        await routing.send(event)

    async def all_assigned() -> bool:
        return all(routing.watcher.of(cid, "assigned") for cid in sent)

    await until(all_assigned)
    members = {d.id: set(d.members) for d in routing.ctx.config.current.departments.values()}
    for cid, category in sent.items():
        [routed] = routing.watcher.data(cid, "routed")
        [assigned] = routing.watcher.data(cid, "assigned")
        assert isinstance(routed, ComplaintRouted) and isinstance(assigned, ComplaintAssigned)
        assert routed.department == EXPECTED_DEPARTMENT[category] == assigned.department
        assert routed.rule_set_version == 1 and routed.reason
        assert routed.first_contact_owner == "cs-agent-1"
        assert assigned.assignee in members[assigned.department]
        kinds = [e.type.split(".")[-2] for e in routing.watcher.of(cid)]
        assert kinds == ["routed", "assigned"]


def _change(cid: str, kind: type[ChangeEvent], version: int) -> CloudEvent:
    """A lifecycle change of complaint ``cid`` at ``version``, as intake publishes it."""
    fields: dict[str, Any] = {
        "complaint_id": cid,
        "at": datetime.now(UTC),
        "version": version,
        "actor": "agent-1",
    }
    extra: dict[type[ChangeEvent], dict[str, Any]] = {
        ComplaintResolved: {"status": "resolved", "outcome": "upheld", "basis": "refund"},
        ComplaintClosed: {"status": "closed"},
        ComplaintReopened: {"status": "in_progress", "reason": "customer not satisfied"},
    }
    body = kind(**fields, **extra[kind])
    return CloudEvent.of(body, source=source_of("intake"), subject=cid)


async def test_resolving_a_complaint_frees_its_agent_for_the_queue_once(
    routing: RoutingUnderTest,
) -> None:
    for agent in await routing.ctx.agents.list("billing"):
        await routing.ctx.agents.update(agent.id, {"capacity": 1})
    first, second, third = (complaint_received(f"c-{uuid.uuid4().hex[:8]}") for _ in range(3))
    for complaint in (first, second):  # one by one: different keys, different partitions
        await routing.send(complaint)
        await _published(routing, complaint.subject, "assigned")
    await routing.send(third)
    await _published(routing, third.subject, "queued")
    [freed] = routing.watcher.data(first.subject, "assigned")

    resolved = _change(first.subject, ComplaintResolved, 5)
    await routing.send(resolved, resolved, _change(first.subject, ComplaintClosed, 6))
    await until(lambda: _has(routing, third.subject, "assigned"))

    [taken] = routing.watcher.data(third.subject, "assigned")
    assert taken.assignee == freed.assignee
    counts = {a.id: a.open_count for a in await routing.ctx.agents.list("billing")}
    assert counts == {"billing-agent-1": 1, "billing-agent-2": 1}


async def test_a_reopened_complaint_goes_back_to_its_owner_and_stays_reopened(
    routing: RoutingUnderTest,
) -> None:
    complaint = complaint_received(category="delivery", text="包裹破损")
    cid = complaint.subject
    await routing.send(complaint)
    await _published(routing, cid, "assigned")
    [owner] = routing.watcher.data(cid, "assigned")
    # Resolved at version 4, reopened at 5, then the resolution is delivered again.
    await on_complaint_finished(routing.ctx, cid, 4)
    released = await routing.ctx.agents.get(owner.assignee)
    assert released is not None and released.open_count == 0
    await on_complaint_reopened(routing.ctx, cid, 5, "reopen-event-1")
    await on_complaint_finished(routing.ctx, cid, 4)

    record = await routing.ctx.complaints.get(cid)
    assert record is not None and record.placement.value == "assigned"
    assert (record.ownership.assignee, record.lifecycle_version) == (owner.assignee, 5)
    held = await routing.ctx.agents.get(owner.assignee)
    assert held is not None and held.open_count == 1


async def test_an_agent_coming_on_duty_takes_the_waiting_complaint(
    routing: RoutingUnderTest,
) -> None:
    for agent in await routing.ctx.agents.list("logistics"):
        await routing.ctx.agents.update(agent.id, {"available": False})
    waiting = complaint_received(category="delivery", text="快递一直没收到")
    await routing.send(waiting)
    await until(lambda: _has(routing, waiting.subject, "queued"))
    record = await routing.ctx.complaints.get(waiting.subject)
    assert record is not None and record.placement.value == "queued"

    from closeloop_routing.service.configuration import update_agent

    await update_agent(routing.ctx, "logistics-agent-2", {"available": True})
    await until(lambda: _has(routing, waiting.subject, "assigned"))
    [assigned] = routing.watcher.data(waiting.subject, "assigned")
    assert assigned.assignee == "logistics-agent-2"


async def _has(routing: RoutingUnderTest, cid: str, kind: str) -> bool:
    return bool(routing.watcher.of(cid, kind))


async def _published(routing: RoutingUnderTest, cid: str, kind: str) -> None:
    await until(lambda: _has(routing, cid, kind))


async def test_events_a_crash_left_in_the_outbox_are_relayed_with_their_ids(
    routing: RoutingUnderTest,
) -> None:
    complaint = complaint_received()
    cid = complaint.subject
    await routing.send(complaint)
    await _published(routing, cid, "assigned")
    record = await routing.ctx.complaints.get(cid)
    assert record is not None
    # A decision written with its event, then the process "dies" before publishing it.
    event = events.placed(cid, record.ownership)
    assert await routing.ctx.complaints.update(record, {}, cause=None, events=[event])

    assert await routing.ctx.publisher.relay_once(grace_s=0) == 1

    async def relayed() -> bool:
        return any(e.id == event.id for e in routing.watcher.of(cid, "assigned"))

    await until(relayed)
    cleared = await routing.ctx.complaints.get(cid)
    assert cleared is not None and cleared.outbox == ()
