"""Taking and assigning complaints by hand: an agent takes a queued complaint of their
department, a supervisor assigns one to an agent (R3).

Both follow the order automatic assignment uses: claim the agent's slot (one conditional
update of the agent), then write the complaint's routing on its revision with the
``assigned`` event in its outbox. Of two concurrent takes both claims may land, but only
one routing write does; the loser gives its slot back and is told who won (409). A
repeated take or assignment that is already in force changes nothing and publishes
nothing (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from closeloop_routing.adapters.agent_pool import AgentRecord
from closeloop_routing.adapters.routing_store import RoutingRecord, ownership_fields
from closeloop_routing.domain.manual_assignment import (
    AssignmentRefused,
    Capacity,
    check_assign,
    check_take,
)
from closeloop_routing.domain.ownership import Placement
from closeloop_routing.metrics import DECISIONS
from closeloop_routing.service import events
from closeloop_routing.service.context import RoutingContext, UnknownComplaint
from closeloop_routing.service.placement import drain_departments
from closeloop_shared.events.common import ActedBy
from closeloop_shared.mongo import Document

__all__ = ["AssignmentRefused", "Outcome", "assign_complaint", "take_complaint"]
ATTEMPTS = 5  # optimistic-concurrency retries when the complaint changed meanwhile


@dataclass(frozen=True)
class Outcome:
    """The complaint's routing afterwards and whether this call changed it."""

    record: RoutingRecord
    changed: bool


async def _routed(ctx: RoutingContext, complaint_id: str) -> RoutingRecord:
    record = await ctx.complaints.get(complaint_id)
    if record is None:
        raise UnknownComplaint(complaint_id)
    return record


async def _agent(ctx: RoutingContext, agent_id: str) -> AgentRecord | None:
    return await ctx.agents.get(agent_id)


async def take_complaint(
    ctx: RoutingContext, complaint_id: str, agent_id: str, acted_by: ActedBy | None = None
) -> Outcome:
    """``agent_id`` takes the queued complaint, within their capacity."""
    for _ in range(ATTEMPTS):
        record = await _routed(ctx, complaint_id)
        agent = await _agent(ctx, agent_id)
        if check_take(record.placement, record.ownership, agent_id, _capacity(agent)):
            return Outcome(record, changed=False)  # already theirs
        outcome = await _place(ctx, record, agent_id, force=False, note=None, acted_by=acted_by)
        if outcome is not None:
            return outcome
    raise AssignmentRefused(409, "the complaint kept changing; try again")


async def assign_complaint(
    ctx: RoutingContext,
    complaint_id: str,
    agent_id: str,
    *,
    by: str,
    reason: str | None,
    acted_by: ActedBy | None = None,
) -> Outcome:
    """A supervisor gives the complaint to ``agent_id``; beyond the agent's capacity (or
    while they are unavailable) only with a ``reason``, which is recorded."""
    for _ in range(ATTEMPTS):
        record = await _routed(ctx, complaint_id)
        agent = await _agent(ctx, agent_id)
        decision = check_assign(
            record.placement, record.ownership, agent_id, _capacity(agent), reason
        )
        if decision.already:
            return Outcome(record, changed=False)
        note: Document = {
            "agent": agent_id,
            "by": by,
            "reason": reason,
            "over_capacity": decision.over_capacity,
            "previous_assignee": record.holder,
            "at": datetime.now(UTC),
        }
        outcome = await _place(
            ctx, record, agent_id, force=decision.over_capacity, note=note, acted_by=acted_by
        )
        if outcome is not None:
            return outcome
    raise AssignmentRefused(409, "the complaint kept changing; try again")


def _capacity(agent: AgentRecord | None) -> Capacity | None:
    if agent is None:
        return None
    return Capacity(
        departments=frozenset(agent.departments),
        open_count=agent.open_count,
        capacity=agent.capacity,
        available=agent.available,
    )


async def _place(
    ctx: RoutingContext,
    record: RoutingRecord,
    agent_id: str,
    *,
    force: bool,
    note: Document | None,
    acted_by: ActedBy | None,
) -> Outcome | None:
    """Claim the agent's slot, then write the routing on its revision. None when the
    complaint changed meanwhile (the caller reads it again and decides anew)."""
    cid = record.complaint_id
    if force:
        await ctx.agents.hold_also(agent_id, cid)
    else:
        ctx.agents.reserve(agent_id)
        if not await ctx.agents.claim(agent_id, cid):
            current = await ctx.complaints.get(cid)
            if current is not None and current.holder == agent_id:
                return None  # our own earlier attempt landed: decide again
            raise AssignmentRefused(
                409, f"agent '{agent_id}' is unavailable or at capacity", field="agent"
            )
    after = replace(record.ownership, assignee=agent_id)
    event = events.placed(cid, after, acted_by=acted_by)
    changes: Document = {
        **ownership_fields(after),
        "placement": Placement.ASSIGNED.value,
        "enqueued_at": None,
    }
    push = {"assignments": note} if note is not None else None
    if await ctx.complaints.update(record, changes, cause=None, events=[event], push=push):
        await ctx.publisher.publish(cid, [event])
        freed = await ctx.agents.hold_only(cid, agent_id)  # a previous assignee lets go
        await drain_departments(ctx, freed)
        DECISIONS.labels("assigned").inc()
        updated = await ctx.complaints.get(cid)
        assert updated is not None
        return Outcome(updated, changed=True)
    # Somebody else changed it first (another take, the queue drain, a transfer): the
    # holdings follow the record as it is now, which frees the slot claimed above.
    current = await ctx.complaints.get(cid)
    await ctx.agents.hold_only(cid, current.holder if current else None)
    return None
