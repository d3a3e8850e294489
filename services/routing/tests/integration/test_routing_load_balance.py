"""Load-aware assignment through the service's handler and MongoDB: 1,000 complaints over
10 equal agents stay within one of each other, also when two processes (each with its
own view of the loads) assign concurrently; concurrent assignment never exceeds a
capacity; a redelivered complaint is assigned once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from closeloop_routing.service.context import RoutingContext
from closeloop_routing.service.received import on_complaint_received
from closeloop_routing.testing import RoutingUnderTest, complaint_received, route_everything_to

pytestmark = pytest.mark.integration
AGENTS = [f"pool-agent-{n:02d}" for n in range(10)]


async def _one_pool(routing: RoutingUnderTest, capacity: int) -> None:
    await route_everything_to(routing.ctx, "pool", AGENTS, capacity)


async def _open_counts(routing: RoutingUnderTest) -> dict[str, int]:
    return {a.id: a.open_count for a in await routing.ctx.agents.list("pool")}


async def test_a_thousand_complaints_spread_within_one_over_ten_equal_agents(
    routing: RoutingUnderTest,
) -> None:
    await _one_pool(routing, capacity=500)
    for n in range(1000):
        await on_complaint_received(routing.ctx, complaint_received())
        if n % 97 == 0:  # the spread holds at every step, not only at the end
            loads = (await _open_counts(routing)).values()
            assert max(loads) - min(loads) <= 1
    counts = await _open_counts(routing)
    assert sum(counts.values()) == 1000
    assert max(counts.values()) - min(counts.values()) <= 1


async def test_two_processes_assigning_concurrently_keep_the_spread_within_one(
    routing: RoutingUnderTest,
) -> None:
    await _one_pool(routing, capacity=500)
    runtime = routing.runtime
    other = RoutingContext.build(routing.ctx.settings, runtime.db, runtime.producer)
    await other.config.load()
    for _ in range(20):  # each round: six handlers in each process racing
        await asyncio.gather(
            *(on_complaint_received(ctx, complaint_received()) for ctx in [routing.ctx, other] * 6)
        )
        loads = (await _open_counts(routing)).values()
        assert max(loads) - min(loads) <= 1
    assert sum((await _open_counts(routing)).values()) == 240
    await other.agents.flush_cursors()


async def test_concurrent_assignments_never_exceed_an_agents_capacity(
    routing: RoutingUnderTest,
) -> None:
    await _one_pool(routing, capacity=5)
    events = [complaint_received() for _ in range(60)]
    for start in range(0, len(events), 12):  # twelve handlers racing at a time
        batch = events[start : start + 12]
        await asyncio.gather(*(on_complaint_received(routing.ctx, e) for e in batch))
    counts = await _open_counts(routing)
    assert set(counts.values()) == {5}
    records = [await routing.ctx.complaints.get(e.subject) for e in events]
    placements = [r.placement.value for r in records if r is not None]
    assert placements.count("assigned") == 50 and placements.count("queued") == 10


async def test_a_redelivered_complaint_is_assigned_once(routing: RoutingUnderTest) -> None:
    await _one_pool(routing, capacity=5)
    event = complaint_received()
    await on_complaint_received(routing.ctx, event)
    await on_complaint_received(routing.ctx, event)
    assert sum((await _open_counts(routing)).values()) == 1
    record = await routing.ctx.complaints.get(event.subject)
    assert record is not None and record.rev == 1


async def test_a_crash_between_the_decision_and_the_claim_is_repaired_on_redelivery(
    routing: RoutingUnderTest,
) -> None:
    await _one_pool(routing, capacity=5)
    event = complaint_received()
    # The first attempt wrote its decision naming pool-agent-03, then died before claiming.
    doc: dict[str, Any] = {
        "_id": event.subject,
        "department": "pool",
        "assignee": "pool-agent-03",
        "co_owners": [],
        "first_contact_owner": None,
        "placement": "assigned",
    }
    assert await routing.ctx.complaints.insert(doc, cause=event.id, events=[])

    await on_complaint_received(routing.ctx, event)  # the redelivery

    counts = await _open_counts(routing)
    assert counts["pool-agent-03"] == 1 and sum(counts.values()) == 1
