"""``POST /v1/complaints/{id}/{action}``: the lifecycle actions.

Each action is its own operation (``/v1/complaints/{id}/resolve``...) with its own typed
body (the ``*Body`` schemas), so the OpenAPI document tells a client what each one takes
and who may call it. The URLs are the ones the single ``{action}`` route served; that route
stays, out of the document, to answer an unknown action with 404 ``unknown_action``.
Bodies are optional (``{}`` when absent) and validated so every bad field is named, then
turned into the domain's value objects.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from fastapi.openapi.models import Example
from pydantic import BaseModel, ValidationError

from closeloop_intake.domain.complaint import (
    ContactEntry,
    ContactMethod,
    Direction,
    Extension,
    Outcome,
    Resolution,
)
from closeloop_intake.domain.lifecycle import PERMISSIONS, TRANSITIONS, Action, Role
from closeloop_intake.entrypoints import schemas as s
from closeloop_intake.entrypoints.deps import AnyActor, Context, IfMatch
from closeloop_intake.entrypoints.read_models import ComplaintRead
from closeloop_intake.entrypoints.views import complaint_view
from closeloop_intake.service.action_effects import ActionDetails
from closeloop_intake.service.actions import API_ACTIONS, perform_action
from closeloop_shared.http.errors import ApiError, validation_fields

router = APIRouter(prefix="/v1/complaints", tags=["lifecycle"])

BODIES: dict[Action, type[BaseModel]] = {
    Action.NOTES: s.NotesBody,
    Action.CONTACT: s.ContactBody,
    Action.AWAIT_CUSTOMER: s.AwaitCustomerBody,
    Action.RESOLVE: s.ResolveBody,
    Action.REOPEN: s.ReopenBody,
    Action.EXTEND: s.ExtendBody,
}


def details_of(action: Action, raw: dict[str, Any] | BaseModel | None) -> ActionDetails:
    """Validate the body of ``action`` and build the domain's details (422 on problems)."""
    if isinstance(raw, BaseModel):
        raw = raw.model_dump(exclude_unset=True)
    try:
        body = BODIES.get(action, s.ActionBody).model_validate(raw or {})
    except ValidationError as exc:
        fields = validation_fields(list(exc.errors()))
        message = "invalid request: " + ", ".join(f["field"] for f in fields)
        raise ApiError(422, "validation_failed", message, fields=fields) from None
    if isinstance(body, s.NotesBody):
        return ActionDetails(note=body.text)
    note = getattr(body, "note", None)
    if isinstance(body, s.ContactBody):
        entry = ContactEntry(ContactMethod(body.method), Direction(body.direction), body.summary)
        return ActionDetails(note=note, contact=entry)
    if isinstance(body, s.ResolveBody):
        resolution = Resolution(
            Outcome(body.outcome), body.basis, body.remedy, body.compensation_amount, body.currency
        )
        return ActionDetails(note=note, resolution=resolution)
    if isinstance(body, s.ExtendBody):
        extension = Extension(  # the duration is validated there and kept verbatim
            body.reason,
            body.customer_consented,
            body.new_deadline,
            body.duration or None,
            body.legal_basis,
        )
        return ActionDetails(note=note, extension=extension, clock=body.clock)
    return ActionDetails(note=note, reason=getattr(body, "reason", None))


RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "the caller's role may never perform the action"},
    404: {"description": "no such complaint (or outside the caller's departments)"},
    409: {
        "description": "not allowed in the current state (allowed actions listed), "
        "or If-Match does not match the current version"
    },
    422: {"description": "the body names a bad field"},
}

# One example body per action that takes more than an optional note.
EXAMPLES: dict[Action, dict[str, Any]] = {
    Action.NOTES: {"text": "Customer called back; waiting for the courier's report."},
    Action.CONTACT: {
        "method": "phone",
        "direction": "outbound",
        "summary": "Explained the refund timeline; customer agreed.",
    },
    Action.AWAIT_CUSTOMER: {"reason": "waiting for the invoice photo", "note": "asked by SMS"},
    Action.RESOLVE: {
        "outcome": "partially_upheld",
        "basis": "Delivery was 5 days late per the courier log; the goods were intact.",
        "remedy": "Refund of the shipping fee",
        "compensation_amount": "12.00",
        "currency": "CNY",
    },
    Action.REOPEN: {"reason": "customer reports the refund never arrived"},
    Action.EXTEND: {
        "reason": "awaiting the manufacturer's test report",
        "customer_consented": True,
        "duration": "P5D",
        "legal_basis": "consumer agreed by phone on 2026-03-02",
    },
}


def roles_allowed(action: Action) -> list[str]:
    """The token roles that may perform ``action`` through the API (``system`` is internal)."""
    return [str(r) for r in Role if r is not Role.SYSTEM and action in PERMISSIONS[r]]


def _description(action: Action) -> str:
    states = ", ".join(sorted(str(state) for state in TRANSITIONS[action]))
    return (
        f"Roles: {', '.join(roles_allowed(action))} (a department user only within its "
        f"departments). Allowed in the states: {states}. `If-Match: <version>` makes the "
        "action conditional; the answer carries the new version as `ETag`."
    )


async def _perform(
    complaint_id: str,
    action: Action,
    ctx: Context,
    actor: AnyActor,
    expected_version: int | None,
    response: Response,
    body: dict[str, Any] | BaseModel | None,
) -> ComplaintRead:
    doc = await perform_action(
        ctx=ctx,
        complaint_id=complaint_id,
        action=action,
        actor=actor,
        details=details_of(action, body),
        expected_version=expected_version,
    )
    response.headers["ETag"] = f'"{doc["version"]}"'
    return complaint_view(doc, actor, ctx.vault)


def _operation(action: Action) -> Callable[..., Awaitable[ComplaintRead]]:
    """The endpoint of one action, with its body typed as that action's schema."""
    model = BODIES.get(action, s.ActionBody)
    example = EXAMPLES.get(action, {"note": "called the customer first"})
    examples: dict[str, Example] = {"typical": {"summary": f"{action} body", "value": example}}

    async def endpoint(
        complaint_id: str,
        ctx: Context,
        actor: AnyActor,
        expected_version: IfMatch,
        response: Response,
        body: BaseModel | None = None,
    ) -> ComplaintRead:
        return await _perform(complaint_id, action, ctx, actor, expected_version, response, body)

    # The annotations are strings (postponed evaluation); give FastAPI the real body type,
    # which differs per action and so cannot be written in the signature.
    endpoint.__annotations__["body"] = Annotated[
        model | None,
        Body(openapi_examples=examples),
    ]
    endpoint.__name__ = f"{str(action).replace('-', '_')}_complaint"
    return endpoint


for _action in API_ACTIONS:
    router.add_api_route(
        f"/{{complaint_id}}/{_action}",
        _operation(_action),
        methods=["POST"],
        summary=f"Lifecycle action: {_action}",
        description=_description(_action),
        responses=RESPONSES,
        operation_id=f"complaint_{str(_action).replace('-', '_')}",
        openapi_extra={"x-closeloop-roles": roles_allowed(_action)},
    )


@router.post("/{complaint_id}/{action}", include_in_schema=False, responses=RESPONSES)
async def unknown_action(
    complaint_id: str,
    action: str,
    ctx: Context,
    actor: AnyActor,
    expected_version: IfMatch,
    response: Response,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> ComplaintRead:
    """Every action has its own route above; what reaches this one is not an action."""
    known = [str(a) for a in API_ACTIONS]
    raise ApiError(404, "unknown_action", f"unknown action {action!r}", actions=known)
