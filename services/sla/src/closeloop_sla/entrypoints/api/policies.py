"""``GET/PUT /v1/sla/policies`` and ``POST /v1/sla/policies/reapply``."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Query

from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.sla import ReapplyPolicies
from closeloop_shared.http.errors import ApiError
from closeloop_sla.adapters.effect_events import SOURCE
from closeloop_sla.adapters.outgoing import Outgoing
from closeloop_sla.adapters.policy_documents import PolicyRead
from closeloop_sla.adapters.policy_repository import RevisionConflict
from closeloop_sla.container import SlaContainer
from closeloop_sla.entrypoints.api.deps import Container, Editor, Policies, Reader
from closeloop_sla.entrypoints.api.schemas import PolicySetRead, PolicySetWrite, ReapplyAccepted
from closeloop_sla.service.policy_service import InvalidSet

router = APIRouter(prefix="/v1/sla/policies", tags=["policies"])


def current_set(parts: SlaContainer, *, reapplied: bool = False) -> PolicySetRead:
    library = parts.library
    policies = [PolicyRead.of(p) for p in library.current_policies]
    return PolicySetRead(revision=library.policy_revision, policies=policies, reapplied=reapplied)


@router.get("", summary="The current policy set")
async def get_policies(parts: Container, _: Reader, service: Policies) -> PolicySetRead:
    await service.refresh()
    return current_set(parts)


@router.put(
    "",
    summary="Replace the policy set (applies to new complaints; reapply=true also moves "
    "running clocks onto it)",
    responses={409: {"description": "the set changed meanwhile; read it again and retry"}},
)
async def put_policies(
    body: PolicySetWrite,
    parts: Container,
    editor: Editor,
    service: Policies,
    reapply: bool = Query(default=False, description="also move running clocks"),
) -> PolicySetRead:
    try:
        await service.replace_policies(body.policies, by=editor.sub)
    except InvalidSet as exc:
        fields = [{"field": p.field, "problem": p.problem} for p in exc.problems]
        raise ApiError(
            422, "validation_failed", "the policy set is not usable", fields=fields
        ) from None
    except RevisionConflict as exc:
        raise ApiError(409, "conflict", f"{exc}; read the policies again and retry") from None
    if reapply:
        await start_reapply(parts, editor.sub)
    return current_set(parts, reapplied=reapply)


@router.post("/reapply", status_code=202, summary="Move running clocks onto the current policies")
async def reapply_policies(parts: Container, editor: Editor, service: Policies) -> ReapplyAccepted:
    await service.refresh()
    return await start_reapply(parts, editor.sub)


async def start_reapply(parts: SlaContainer, by: str) -> ReapplyAccepted:
    """One reapply command per partition; each worker reapplies the partitions it owns."""
    library, now = parts.library, datetime.now(UTC)
    commands = [
        (
            partition,
            CloudEvent.of(
                ReapplyPolicies(
                    at=now,
                    partition=partition,
                    requested_by=by,
                    policy_revision=library.policy_revision,
                    calendar_revision=library.calendar_revision,
                ),
                source=SOURCE,
                subject=f"reapply-{partition}",
            ),
        )
        for partition in range(parts.partitions)
    ]
    await parts.publisher.publish(Outgoing(commands=commands))
    return ReapplyAccepted(
        policy_revision=library.policy_revision,
        calendar_revision=library.calendar_revision,
        partitions=parts.partitions,
    )
