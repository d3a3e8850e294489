"""The log itself: a complaint's trail and verification of the whole log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from closeloop_audit.entrypoints.api.schemas import MAX_SEQ, EntryRead, TrailRead, VerificationRead
from closeloop_audit.entrypoints.deps import Auditor, Context
from closeloop_shared.http.errors import ApiError

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("/complaints/{complaint_id}", summary="The trail of one complaint")
async def complaint_trail(
    complaint_id: str,
    ctx: Context,
    _: Auditor,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="return entries after this seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> TrailRead:
    """Every entry about the complaint in log order, with the hashes that link each one
    to its predecessor in the log."""
    entries = await ctx.entries.trail(complaint_id, after_seq=after, limit=limit)
    if not entries and after == 0:
        raise ApiError(404, "not_found", f"the audit log has no entry about {complaint_id}")
    actors = await ctx.entries.actors(entry.seq for entry in entries)
    return TrailRead(
        complaint_id=complaint_id,
        entries=[EntryRead.of(entry, actors.get(entry.seq)) for entry in entries],
        next_after=entries[-1].seq if len(entries) == limit else None,
    )


@router.get("/verify", summary="Verify the whole log and its signed checkpoints")
async def verify_log(ctx: Context, _: Auditor) -> VerificationRead:
    """Recompute every entry hash, link and sequence number and every checkpoint root;
    report the first bad seq and whether it was modified, missing, inserted or reordered."""
    verdict = await ctx.verifier.verify()
    return VerificationRead(**verdict.to_dict())
