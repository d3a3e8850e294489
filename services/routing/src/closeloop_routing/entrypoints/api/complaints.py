"""A complaint's routing: ``GET /v1/routing/complaints/{id}``,
``POST /v1/complaints/{id}/transfer``, ``/take`` and ``/assign``."""

from __future__ import annotations

from fastapi import APIRouter

from closeloop_routing.adapters.routing_store import RoutingRecord
from closeloop_routing.entrypoints.api.schemas import AssignCreate, RoutingRead, TransferCreate
from closeloop_routing.entrypoints.deps import Context, Reader, Staff, Supervisor
from closeloop_routing.service.context import UnknownComplaint
from closeloop_routing.service.manual_assignment import (
    AssignmentRefused,
    assign_complaint,
    take_complaint,
)
from closeloop_routing.service.transfer import (
    TransferRefused,
    UnknownDepartment,
    transfer_complaint,
)
from closeloop_shared.auth import Principal, Role
from closeloop_shared.events.common import ActedBy
from closeloop_shared.http.errors import ApiError

router = APIRouter(tags=["routing"])


def _acted_by(principal: Principal) -> ActedBy:
    return ActedBy.of(principal.sub, (r.value for r in principal.roles))


def _not_found(complaint_id: str) -> ApiError:
    return ApiError(404, "not_found", f"complaint '{complaint_id}' has not been routed")


def _involved(principal: Principal, record: RoutingRecord) -> bool:
    """An agent may act on complaints they own, co-own, received, or of their departments."""
    people = {
        record.ownership.assignee,
        record.ownership.first_contact_owner,
        *record.ownership.co_owners,
    }
    return principal.sub in people or record.department in principal.departments


@router.get("/v1/routing/complaints/{complaint_id}", summary="A complaint's routing")
async def get_routing(ctx: Context, principal: Reader, complaint_id: str) -> RoutingRead:
    record = await ctx.complaints.get(complaint_id)
    if record is None or not principal.may_see_department(record.department):
        raise _not_found(complaint_id)
    return RoutingRead.of(record)


@router.post(
    "/v1/complaints/{complaint_id}/transfer",
    summary="Transfer a complaint to another department",
    responses={404: {}, 409: {"description": "resolved, closed or already there"}, 422: {}},
)
async def transfer(
    ctx: Context, principal: Staff, complaint_id: str, body: TransferCreate
) -> RoutingRead:
    """Keeps the first-contact owner, records the hand-off and assigns the complaint
    inside the new department (or queues it there)."""
    if not principal.has(Role.supervisor, Role.admin):
        record = await ctx.complaints.get(complaint_id)
        if record is None:
            raise _not_found(complaint_id)
        if not _involved(principal, record):
            raise ApiError(
                403, "forbidden", "agents may transfer only complaints they own or received"
            )
    try:
        updated = await transfer_complaint(
            ctx,
            complaint_id,
            body.to_department.strip(),
            body.reason.strip(),
            principal.sub,
            _acted_by(principal),
        )
    except UnknownComplaint:
        raise _not_found(complaint_id) from None
    except UnknownDepartment:
        known = sorted(ctx.config.current.departments)
        raise ApiError(
            422,
            "validation_failed",
            "unknown department",
            fields=[{"field": "to_department", "problem": f"unknown department; known: {known}"}],
        ) from None
    except TransferRefused as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    return RoutingRead.of(updated)


def _refused(exc: AssignmentRefused) -> ApiError:
    codes = {403: "forbidden", 409: "conflict", 422: "validation_failed"}
    fields = [{"field": exc.field, "problem": exc.message}] if exc.field else None
    return ApiError(exc.status, codes.get(exc.status, "conflict"), exc.message, fields=fields)


@router.post(
    "/v1/complaints/{complaint_id}/take",
    summary="Take a queued complaint of one's department",
    responses={
        403: {"description": "the complaint is of another department"},
        404: {},
        409: {"description": "taken by another agent, resolved/closed, or at capacity"},
    },
)
async def take(ctx: Context, principal: Staff, complaint_id: str) -> RoutingRead:
    """The caller takes the queued complaint, within their capacity. Taking a complaint
    one holds already answers 200 and changes nothing; of two agents racing for one
    complaint, one gets 200 and the other 409."""
    try:
        outcome = await take_complaint(ctx, complaint_id, principal.sub, _acted_by(principal))
    except UnknownComplaint:
        raise _not_found(complaint_id) from None
    except AssignmentRefused as exc:
        raise _refused(exc) from None
    return RoutingRead.of(outcome.record)


@router.post(
    "/v1/complaints/{complaint_id}/assign",
    summary="Assign a complaint to an agent of its department",
    responses={
        403: {"description": "a supervisor of other departments"},
        404: {},
        409: {"description": "resolved/closed, or the agent filled up meanwhile"},
        422: {"description": "unknown agent, not a member, or over capacity without reason"},
    },
)
async def assign(
    ctx: Context, principal: Supervisor, complaint_id: str, body: AssignCreate
) -> RoutingRead:
    """A supervisor (of the complaint's department, when the token names departments) or
    an administrator gives the complaint to a member of its department. Beyond the
    agent's capacity it needs a ``reason``, recorded under ``assignments``. Assigning
    to the current assignee answers 200 and changes nothing."""
    if principal.departments and not principal.has(Role.admin):
        record = await ctx.complaints.get(complaint_id)
        if record is None:
            raise _not_found(complaint_id)
        if record.department not in principal.departments:
            raise ApiError(
                403, "forbidden", "supervisors assign only complaints of their departments"
            )
    reason = body.reason.strip() if body.reason else None
    try:
        outcome = await assign_complaint(
            ctx,
            complaint_id,
            body.agent.strip(),
            by=principal.sub,
            reason=reason,
            acted_by=_acted_by(principal),
        )
    except UnknownComplaint:
        raise _not_found(complaint_id) from None
    except AssignmentRefused as exc:
        raise _refused(exc) from None
    return RoutingRead.of(outcome.record)
