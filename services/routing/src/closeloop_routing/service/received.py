"""A new complaint: route it to a department, give it to an agent or queue it, and report
a major complaint to the leader at once (R3)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from closeloop_routing.adapters.outbox_entries import from_entry
from closeloop_routing.adapters.routing_store import ownership_fields
from closeloop_routing.domain.departments import Department
from closeloop_routing.domain.escalation import Escalation, on_major_complaint
from closeloop_routing.domain.ownership import Ownership, Placement, apply_escalation
from closeloop_routing.domain.rules import ComplaintAttributes, RoutingDecision, route_complaint
from closeloop_routing.metrics import DECISION_SECONDS, DECISIONS, ESCALATIONS
from closeloop_routing.service import events
from closeloop_routing.service.context import RoutingContext
from closeloop_routing.service.placement import choose, claim_agent, record_and_claim
from closeloop_shared.events.common import Severity
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.intake import ComplaintReceived
from closeloop_shared.mongo import Document


def attributes_of(body: ComplaintReceived) -> ComplaintAttributes:
    """What the rules look at in a received complaint."""
    return ComplaintAttributes(
        kind=body.kind.value,
        category=body.category,
        severity=body.severity.value,
        channel=body.channel.value,
        tier=body.customer_tier,
        region=body.region,
        product=body.product,
        text=body.text,
    )


async def on_complaint_received(ctx: RoutingContext, event: CloudEvent) -> None:
    """Route, assign (or queue) and, for a major complaint, escalate to the leader.

    The routing document is written first, naming the chosen agent; the agent's slot is
    claimed after, in the same round trip. A redelivery finds the document and makes the
    agents' holdings match it (so a crash between the two writes neither loses nor
    double-counts a slot), then sends the first decision's events again with their ids.
    Events are sent before this returns, i.e. before the record's offset is committed.
    """
    started = time.perf_counter()
    body = event.data
    assert isinstance(body, ComplaintReceived)
    cid = body.complaint_id
    config = ctx.config.current
    decision = route_complaint(config.rule_set, attributes_of(body))
    department = config.department(decision.department)
    choice = await choose(ctx, department.id, decision.skill)
    first = _FirstDecision.make(body, decision, department, choice.agent)
    doc = _routing_document(body, decision, first)
    created, claimed = await record_and_claim(ctx, doc, choice, cause=event.id, events=first.events)
    if not created:
        await _redelivered(ctx, cid, event.id)
        return
    if choice.agent is not None and not claimed:
        # The agent's load changed since the choice: choose again, then correct the record.
        choice = await claim_agent(ctx, cid, department.id, decision.skill)
        first = _FirstDecision.make(body, decision, department, choice.agent)
        changes = _routing_document(body, decision, first)
        del changes["_id"]
        if not await ctx.complaints.revise_first(cid, changes, cause=event.id, events=first.events):
            raise RuntimeError(f"routing of {cid} changed while it was being assigned")
    if first.ownership.assignee != choice.agent:  # the supervisor took a major complaint
        await ctx.agents.hold_only(cid, first.ownership.assignee)
    await ctx.publisher.send_now(first.events)
    DECISIONS.labels("routed").inc()
    DECISIONS.labels(first.ownership.placement.value).inc()
    if first.escalation is not None:
        ESCALATIONS.labels(str(int(first.escalation.level)), "major_complaint").inc()
    DECISION_SECONDS.observe(time.perf_counter() - started)


@dataclass(frozen=True)
class _FirstDecision:
    """Who owns a new complaint and the events that say so."""

    ownership: Ownership
    events: list[CloudEvent]
    escalation: Escalation | None

    @classmethod
    def make(
        cls,
        body: ComplaintReceived,
        decision: RoutingDecision,
        department: Department,
        agent: str | None,
    ) -> _FirstDecision:
        cid = body.complaint_id
        ownership = Ownership(department.id, agent, (), body.received_by)
        published = [events.routed(cid, decision, body.received_by)]
        escalation = None
        if body.severity is Severity.major:
            escalation = on_major_complaint(department, agent)
            ownership = apply_escalation(ownership, escalation)
        published.append(events.placed(cid, ownership, decision.queue))
        if escalation is not None:
            published.append(
                events.escalated(cid, escalation, "major_complaint", department=department.id)
            )
        return cls(ownership, published, escalation)


def _routing_document(
    body: ComplaintReceived, decision: RoutingDecision, first: _FirstDecision
) -> Document:
    """The complaint's routing document as its first decision leaves it."""
    ownership, escalation = first.ownership, first.escalation
    queued = ownership.placement is Placement.QUEUED
    return {
        "_id": body.complaint_id,
        **ownership_fields(ownership),
        "placement": ownership.placement.value,
        "queue": decision.queue,
        "skill": decision.skill,
        "severity": body.severity.value,
        "decision": {
            "rule_id": decision.rule_id,
            "rule_set_version": decision.rule_set_version,
            "reason": decision.reason,
        },
        "received_at": body.received_at,
        "enqueued_at": datetime.now(UTC) if queued else None,
        "breaches": 0,
        "escalation_level": int(escalation.level) if escalation else 0,
        "special_team": list(escalation.co_owners) if escalation else [],
        "lifecycle_version": body.version,
        "transfers": [],
    }


async def _redelivered(ctx: RoutingContext, cid: str, event_id: str) -> None:
    """The complaint was routed before: its document stands; the agents' holdings are
    made to match it and its first events are sent again."""
    record = await ctx.complaints.get(cid)
    if record is None:  # pragma: no cover - insert said it exists
        raise RuntimeError(f"routing of {cid} vanished")
    await ctx.agents.hold_only(cid, record.holder)
    receipt = [from_entry(e) for e in record.receipt_events if e.get("cause") == event_id]
    await ctx.publisher.send_now(receipt)
