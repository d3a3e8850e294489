"""Putting complaints with agents: load-aware choice, atomic claim, queue draining (R3)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace

from closeloop_routing.domain.assignment import QueuedComplaint, choose_agent, drain_queue
from closeloop_routing.domain.ownership import Placement
from closeloop_routing.metrics import DECISIONS
from closeloop_routing.service import events
from closeloop_routing.service.context import RoutingContext
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.mongo import Document

log = logging.getLogger(__name__)
# A claim fails when another consumer changed the chosen agent's load meanwhile; after
# this many tries the complaint waits in the queue and the sweep assigns it.
CLAIM_ATTEMPTS = 6


@dataclass(frozen=True)
class Choice:
    """The agent chosen for a complaint (None: nobody can take it now), the load the
    choice was made on, and the department's round-robin cursor after it."""

    agent: str | None
    seen_open: int = 0
    cursor: str | None = None


async def choose(ctx: RoutingContext, department: str, skill: str | None) -> Choice:
    """The least loaded available agent with ``skill`` (ties round-robin), by current load.

    The chosen agent's slot is reserved in this process's view of the loads at once, so
    concurrent choices go to other agents; the caller claims it (``claim``,
    ``record_and_claim``) or takes the reservation back.
    """
    cursor = await ctx.agents.cursor(department)
    agents = await ctx.agents.load(department)
    # No await from here to the reservation: no other choice may see the loads between.
    chosen, new_cursor = choose_agent(agents, skill, cursor)
    if chosen is None:
        return Choice(None)
    seen = next(a.open_count for a in agents if a.id == chosen)
    ctx.agents.reserve(chosen)
    ctx.agents.set_cursor(department, new_cursor)
    return Choice(chosen, seen, new_cursor)


async def record_and_claim(
    ctx: RoutingContext, doc: Document, choice: Choice, *, cause: str, events: list[CloudEvent]
) -> tuple[bool, bool]:
    """Create the complaint's routing document (naming the chosen agent), then claim the
    agent's slot, in one round trip: (created, claimed). Nothing is claimed when the
    document existed (a redelivery); then the reservation is taken back."""
    if choice.agent is None:
        return await ctx.complaints.insert(doc, cause=cause, events=events), False
    write = ctx.agents.claim_write(choice.agent, doc["_id"], choice.seen_open)
    try:
        created, claimed = await ctx.complaints.insert_then_claim(
            doc, write, cause=cause, events=events
        )
    except BaseException:
        ctx.agents.claim_settled(choice.agent, claimed=False)  # it may have landed
        raise
    if created:
        ctx.agents.claim_settled(choice.agent, claimed=claimed)
    else:
        ctx.agents.unreserve(choice.agent)
    return created, claimed


async def claim(ctx: RoutingContext, complaint_id: str, choice: Choice) -> bool:
    """Take a slot of the chosen agent, if they still have the load the choice saw.

    The update re-checks availability, capacity and that load, so concurrent claims can
    neither overfill an agent nor pile onto one who is no longer the least loaded. A
    failed claim takes its reservation back (the loads are read again).
    """
    if choice.agent is None:
        return False
    return await ctx.agents.claim(choice.agent, complaint_id, choice.seen_open)


async def claim_agent(
    ctx: RoutingContext, complaint_id: str, department: str, skill: str | None
) -> Choice:
    """Choose and claim, choosing again while concurrent claims get in the way; the
    returned choice holds the complaint, or has no agent (it waits in the queue)."""
    for _ in range(CLAIM_ATTEMPTS):
        choice = await choose(ctx, department, skill)
        if choice.agent is None or await claim(ctx, complaint_id, choice):
            return choice
    return Choice(None)  # contended: it waits in the queue and the sweep assigns it


async def drain_department(ctx: RoutingContext, department: str) -> int:
    """Give waiting complaints to agents who can take them now; how many were assigned."""
    waiting = await ctx.complaints.queued(department)
    if not waiting:
        return 0
    cursor = await ctx.agents.cursor(department)
    agents = await ctx.agents.load(department)
    plan = drain_queue(
        [
            QueuedComplaint(
                r.complaint_id, r.enqueued_at or r.doc["created_at"], r.skill, r.severity
            )
            for r in waiting
        ],
        agents,
        cursor,
    )
    by_id = {r.complaint_id: r for r in waiting}
    assigned = 0
    for step in plan.assignments:
        record = by_id[step.complaint_id]
        ctx.agents.reserve(step.agent_id)
        if not await ctx.agents.claim(step.agent_id, step.complaint_id):
            continue  # someone else's claim got there first; the next drain retries
        ownership = replace(record.ownership, assignee=step.agent_id)
        event = events.placed(record.complaint_id, ownership)
        changes = {"assignee": step.agent_id, "placement": Placement.ASSIGNED.value}
        if await ctx.complaints.update(record, changes, cause=None, events=[event]):
            await ctx.publisher.publish(record.complaint_id, [event])
            DECISIONS.labels("assigned").inc()
            assigned += 1
        else:  # the complaint changed meanwhile (transferred, closed): give the slot back
            current = await ctx.complaints.get(record.complaint_id)
            keep = current.holder if current else None
            await ctx.agents.hold_only(record.complaint_id, keep)
    if plan.assignments:
        ctx.agents.set_cursor(department, plan.rr_cursor)
    return assigned


async def drain_departments(ctx: RoutingContext, departments: list[str]) -> None:
    """Drain each of ``departments`` (after agents freed up or came on duty)."""
    for department in departments:
        await drain_department(ctx, department)


async def sweep_queues_forever(ctx: RoutingContext) -> None:
    """Background task: drain every non-empty queue periodically, in case a trigger was
    missed (a crash between freeing an agent and draining, a concurrent claim)."""
    while True:
        await asyncio.sleep(ctx.settings.routing_queue_sweep_s)
        await drain_departments(ctx, await ctx.complaints.departments_with_queue())
