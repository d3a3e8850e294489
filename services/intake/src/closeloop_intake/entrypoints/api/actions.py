"""``POST /v1/complaints/{id}/{action}``: the lifecycle actions.

The body depends on the action (see the ``*Body`` schemas); it is validated here so every
bad field is named, then turned into the domain's value objects.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response
from pydantic import BaseModel, ValidationError

from closeloop_intake.domain.complaint import (
    ContactEntry,
    ContactMethod,
    Direction,
    Extension,
    Outcome,
    Resolution,
)
from closeloop_intake.domain.lifecycle import Action
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


def details_of(action: Action, raw: dict[str, Any] | None) -> ActionDetails:
    """Validate the body of ``action`` and build the domain's details (422 on problems)."""
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


@router.post(
    "/{complaint_id}/{action}",
    summary="Perform a lifecycle action",
    responses={
        403: {"description": "the caller's role may never perform the action"},
        404: {"description": "no such complaint (or outside the caller's departments)"},
        409: {
            "description": "not allowed in the current state (allowed actions listed), "
            "or If-Match does not match the current version"
        },
        422: {"description": "the body names a bad field"},
    },
)
async def perform(
    complaint_id: str,
    action: str,
    ctx: Context,
    actor: AnyActor,
    expected_version: IfMatch,
    response: Response,
    body: Annotated[dict[str, Any] | None, Body()] = None,
) -> ComplaintRead:
    """Actions: acknowledge, start, notes, contact, await-customer, resume, resolve,
    reopen, close, extend, archive. ``If-Match: <version>`` makes the action conditional."""
    known = {str(a): a for a in API_ACTIONS}
    if action not in known:
        raise ApiError(404, "unknown_action", f"unknown action {action!r}", actions=list(known))
    chosen = known[action]
    doc = await perform_action(
        ctx=ctx,
        complaint_id=complaint_id,
        action=chosen,
        actor=actor,
        details=details_of(chosen, body),
        expected_version=expected_version,
    )
    response.headers["ETag"] = f'"{doc["version"]}"'
    return complaint_view(doc, actor, ctx.vault)
