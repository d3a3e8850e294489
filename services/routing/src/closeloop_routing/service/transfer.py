"""Handing a complaint to another department (R3: cross-department coordination)."""

from __future__ import annotations

from datetime import UTC, datetime

from closeloop_routing.adapters.routing_store import RoutingRecord, ownership_fields
from closeloop_routing.domain.ownership import Placement, transfer_to, with_assignee
from closeloop_routing.metrics import DECISIONS
from closeloop_routing.service import events
from closeloop_routing.service.context import RoutingContext, UnknownComplaint
from closeloop_routing.service.placement import claim_agent, drain_departments
from closeloop_shared.events.common import ActedBy
from closeloop_shared.mongo import Document

ATTEMPTS = 5


class UnknownDepartment(LookupError):
    """The target department is not configured."""


class TransferRefused(ValueError):
    """The complaint cannot be transferred in its current state."""


async def transfer_complaint(
    ctx: RoutingContext,
    complaint_id: str,
    to_department: str,
    reason: str,
    by: str,
    acted_by: ActedBy | None = None,
) -> RoutingRecord:
    """Move the complaint to ``to_department`` and give it to an agent there (or its
    queue). The first-contact owner stays; the hand-off is recorded on the complaint and
    published as ``ComplaintTransferred`` followed by ``assigned`` or ``queued``."""
    if to_department not in ctx.config.current.departments:
        raise UnknownDepartment(to_department)
    for _ in range(ATTEMPTS):
        record = await ctx.complaints.get(complaint_id)
        if record is None:
            raise UnknownComplaint(complaint_id)
        if record.placement is Placement.DONE:
            raise TransferRefused("the complaint is resolved or closed")
        if record.department == to_department:
            raise TransferRefused(f"the complaint is already in department '{to_department}'")
        claim = await claim_agent(ctx, complaint_id, to_department, None)
        # The escalation level stays as it is (not among the changes); so do a major
        # complaint's leader and special team.
        kept = transfer_to(record.ownership, to_department, keep=record.special_team)
        after = with_assignee(kept, claim.agent)
        published = [
            events.transferred(complaint_id, record.ownership, to_department, reason, by, acted_by),
            events.placed(complaint_id, after, acted_by=acted_by),
        ]
        now = datetime.now(UTC)
        changes: Document = {
            **ownership_fields(after),
            "placement": after.placement.value,
            "skill": None,
            "queue": None,
            "enqueued_at": now if after.placement is Placement.QUEUED else None,
        }
        hand_off = {
            "from": record.department,
            "to": to_department,
            "reason": reason,
            "by": by,
            "at": now,
            "previous_assignee": record.ownership.assignee,
        }
        if await ctx.complaints.update(
            record, changes, cause=None, events=published, push={"transfers": hand_off}
        ):
            await ctx.publisher.publish(complaint_id, published)
            freed = await ctx.agents.hold_only(complaint_id, after.assignee)
            await drain_departments(ctx, freed)
            DECISIONS.labels("transferred").inc()
            DECISIONS.labels(after.placement.value).inc()
            updated = await ctx.complaints.get(complaint_id)
            assert updated is not None
            return updated
        if claim.agent is not None:  # give the slot back
            await ctx.agents.hold_only(complaint_id, record.holder)
    raise TransferRefused("the complaint kept changing; try again")
