"""SLA warnings and breaches: notify, escalate to the supervisor, then to the leader (R3)."""

from __future__ import annotations

from closeloop_routing.adapters.routing_store import RoutingRecord, ownership_fields
from closeloop_routing.domain.escalation import on_sla_breach, on_sla_warning, raised_level
from closeloop_routing.domain.ownership import Placement, apply_escalation
from closeloop_routing.metrics import ESCALATIONS
from closeloop_routing.service import events
from closeloop_routing.service.context import RoutingContext, UnknownComplaint
from closeloop_routing.service.placement import drain_departments
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.sla import ClockBreached, ClockWarning

ATTEMPTS = 5  # optimistic-concurrency retries when another handler changed the complaint


async def _routed(ctx: RoutingContext, complaint_id: str) -> RoutingRecord:
    record = await ctx.complaints.get(complaint_id)
    if record is None:
        # Raised so the record is retried and then dead-lettered, not silently dropped.
        raise UnknownComplaint(f"complaint {complaint_id} was never routed; cannot escalate")
    return record


async def on_clock_warning(ctx: RoutingContext, event: CloudEvent) -> None:
    """Level 0: tell the assignee and the supervisor; ownership does not change."""
    body = event.data
    assert isinstance(body, ClockWarning)
    for _ in range(ATTEMPTS):
        record = await _routed(ctx, body.complaint_id)
        if event.id in record.applied_events:
            await ctx.publisher.republish(record, cause=event.id)
            return
        department = ctx.config.current.department(record.department)
        published = [
            events.notified(body.complaint_id, notify, body.clock, record.department)
            for notify in on_sla_warning(
                department, record.ownership.assignee, body.clock, record.escalation_level
            )
        ]
        if await ctx.complaints.update(record, {}, cause=event.id, events=published):
            await ctx.publisher.publish(body.complaint_id, published)
            ESCALATIONS.labels("0", "sla_warning").inc(len(published))
            return
    raise RuntimeError(f"complaint {body.complaint_id} kept changing while warning")


async def on_clock_breached(ctx: RoutingContext, event: CloudEvent) -> None:
    """Level 1 on the first distinct breach (supervisor reassigns or co-owns, as
    configured), level 2 (leader) from the configured repeat on. Each breach event is
    counted once, by id, in the same write as its effect."""
    body = event.data
    assert isinstance(body, ClockBreached)
    cid = body.complaint_id
    for _ in range(ATTEMPTS):
        record = await _routed(ctx, cid)
        if event.id in record.applied_events:
            await ctx.publisher.republish(record, cause=event.id)
            await _settle(ctx, cid, record.holder)
            return
        department = ctx.config.current.department(record.department)
        escalation = on_sla_breach(
            department,
            record.ownership.assignee,
            body.clock,
            record.breaches + 1,
            ctx.escalation_policy,
            record.escalation_level,
        )
        after = apply_escalation(record.ownership, escalation)
        published = [
            events.escalated(
                cid, escalation, "sla_breach", body.clock, department=record.department
            ),
            events.placed(cid, after),
        ]
        done = record.placement is Placement.DONE
        placement = Placement.DONE if done else after.placement
        changes = {
            **ownership_fields(after),
            "breaches": record.breaches + 1,
            "escalation_level": raised_level(record.escalation_level, escalation.level),
            "placement": placement.value,
        }
        if await ctx.complaints.update(record, changes, cause=event.id, events=published):
            await ctx.publisher.publish(cid, published)
            await _settle(ctx, cid, after.assignee if placement is Placement.ASSIGNED else None)
            ESCALATIONS.labels(str(int(escalation.level)), "sla_breach").inc()
            return
    raise RuntimeError(f"complaint {cid} kept changing while escalating")


async def _settle(ctx: RoutingContext, complaint_id: str, holder: str | None) -> None:
    """Make agent holdings match the record (a reassigned agent lets go) and let the freed
    departments' queues move."""
    freed = await ctx.agents.hold_only(complaint_id, holder)
    await drain_departments(ctx, freed)
