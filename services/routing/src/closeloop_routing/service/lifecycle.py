"""Lifecycle changes that affect load: a resolved or closed complaint frees its agent; a
reopened one goes back to its owner.

Each change applies only if its complaint version is newer than the last one applied, so
a redelivered older event (a resolution) cannot undo a newer one (the reopening).
"""

from __future__ import annotations

from datetime import UTC, datetime

from closeloop_routing.domain.ownership import Placement
from closeloop_routing.service.context import RoutingContext
from closeloop_routing.service.placement import drain_department, drain_departments
from closeloop_shared.mongo import Document

REOPEN_ATTEMPTS = 5


async def on_complaint_finished(ctx: RoutingContext, complaint_id: str, version: int) -> None:
    """Resolved or closed: nobody holds it any more and it leaves the queue; the freed
    agents' departments are drained. Idempotent: releasing twice frees nothing twice."""
    await ctx.complaints.mark_done(complaint_id, version)
    record = await ctx.complaints.get(complaint_id)
    if record is not None and record.placement is not Placement.DONE:
        return  # a newer change (a reopening) stands
    freed = await ctx.agents.hold_only(complaint_id, None)
    await drain_departments(ctx, freed)


async def on_complaint_reopened(
    ctx: RoutingContext, complaint_id: str, version: int, event_id: str
) -> None:
    """Reopened: the previous owner holds it again (even above capacity: it is theirs);
    one that was never assigned waits in its department queue again."""
    for _ in range(REOPEN_ATTEMPTS):
        record = await ctx.complaints.get(complaint_id)
        if record is None:
            return  # never routed here: nothing holds it
        if record.lifecycle_version >= version:
            break  # applied already, or older than what was applied
        placement = (
            record.ownership.placement if record.placement is Placement.DONE else record.placement
        )
        changes: Document = {"placement": placement.value, "lifecycle_version": version}
        if placement is Placement.QUEUED and record.placement is Placement.DONE:
            changes["enqueued_at"] = datetime.now(UTC)
        if await ctx.complaints.update(record, changes, cause=event_id):
            break
    else:
        raise RuntimeError(f"complaint {complaint_id} kept changing while reopening")
    record = await ctx.complaints.get(complaint_id)
    if record is not None and record.holder is not None:
        await ctx.agents.hold_only(complaint_id, record.holder)
    elif record is not None and record.placement is Placement.QUEUED:
        await drain_department(ctx, record.department)
