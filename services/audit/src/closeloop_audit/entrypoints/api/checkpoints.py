"""Signed checkpoints, the signing key, and Merkle proofs against checkpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from closeloop_audit.entrypoints.api.schemas import (
    MAX_SEQ,
    CheckpointList,
    CheckpointRead,
    ConsistencyProofRead,
    EntryRead,
    InclusionProofRead,
    PublicKeyRead,
)
from closeloop_audit.entrypoints.deps import Auditor, Caller, Context
from closeloop_audit.service.proofs import ProofError
from closeloop_shared.http.errors import ApiError

router = APIRouter(prefix="/v1/audit", tags=["audit"])
_STATUS = {"not_found": 404, "not_checkpointed": 409, "invalid": 422, "inconsistent": 409}
PROOF_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such entry or checkpoint"},
    409: {"description": "the size is not a signed checkpoint, or the log is inconsistent"},
    422: {"description": "the sizes or seq are out of range"},
}


def _api_error(exc: ProofError) -> ApiError:
    return ApiError(_STATUS[exc.kind], exc.kind, exc.message)


@router.get("/public-key", summary="The key that signs checkpoints")
async def public_key(ctx: Context, _: Caller) -> PublicKeyRead:
    return PublicKeyRead(key_id=ctx.signer.key_id, public_key=ctx.signer.public_key_b64)


@router.get(
    "/checkpoints/latest",
    summary="The latest signed checkpoint",
    responses={404: {"description": "no checkpoint has been signed yet"}},
)
async def latest_checkpoint(ctx: Context, _: Auditor) -> CheckpointRead:
    stored = await ctx.checkpoints.latest()
    if stored is None:
        raise ApiError(404, "not_found", "no checkpoint has been signed yet")
    return CheckpointRead.of(stored.checkpoint)


@router.get("/checkpoints", summary="Signed checkpoints, newest first")
async def list_checkpoints(
    ctx: Context,
    _: Auditor,
    before: Annotated[
        int | None, Query(ge=1, le=MAX_SEQ, description="tree sizes below this")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> CheckpointList:
    found = await ctx.checkpoints.recent(before=before, limit=limit)
    return CheckpointList(checkpoints=[CheckpointRead.of(cp) for cp in found])


# Declared before /proofs/{seq} so that "consistency" is not read as a seq.
@router.get(
    "/proofs/consistency",
    summary="Consistency proof between two checkpoints",
    response_model_by_alias=True,
    responses=PROOF_ERRORS,
)
async def consistency_proof(
    ctx: Context,
    _: Auditor,
    from_size: Annotated[int, Query(alias="from", ge=1, le=MAX_SEQ, description="older tree size")],
    to_size: Annotated[int, Query(alias="to", ge=1, le=MAX_SEQ, description="newer tree size")],
) -> ConsistencyProofRead:
    """Proof (RFC 9162 §2.1.4) that the tree of ``from`` entries is a prefix of the tree of
    ``to`` entries; both sizes must be signed checkpoints."""
    try:
        proof = await ctx.prover.consistency(from_size, to_size)
    except ProofError as exc:
        raise _api_error(exc) from None
    return ConsistencyProofRead(
        from_size=from_size,
        to_size=to_size,
        proof=[node.hex() for node in proof.path],
        from_checkpoint=CheckpointRead.of(proof.old),
        to_checkpoint=CheckpointRead.of(proof.new),
    )


@router.get("/proofs/{seq}", summary="Inclusion proof of an entry", responses=PROOF_ERRORS)
async def inclusion_proof(
    seq: Annotated[int, Path(ge=1, le=MAX_SEQ)],
    ctx: Context,
    _: Auditor,
    tree_size: Annotated[
        int | None,
        Query(ge=1, le=MAX_SEQ, description="a checkpoint's tree size; default the latest"),
    ] = None,
) -> InclusionProofRead:
    """Audit path (RFC 9162 §2.1.3) from entry ``seq`` (leaf ``seq - 1``) to the root of
    the latest or the given signed checkpoint."""
    if seq < 1:
        raise ApiError(422, "validation_failed", "seq must be >= 1",
                       fields=[{"field": "seq", "problem": "must be >= 1"}])  # fmt: skip
    try:
        proof = await ctx.prover.inclusion(seq, tree_size)
    except ProofError as exc:
        raise _api_error(exc) from None
    return InclusionProofRead(
        seq=seq,
        leaf_index=seq - 1,
        tree_size=proof.checkpoint.tree_size,
        leaf_hash=proof.entry.entry_hash,
        audit_path=[node.hex() for node in proof.path],
        entry=EntryRead.of(proof.entry),
        checkpoint=CheckpointRead.of(proof.checkpoint),
    )
