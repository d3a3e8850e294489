"""Presence on a complaint: a server-sent event stream per open page, and mode changes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from closeloop_console.adapters.presence import MODES, Presence
from closeloop_console.entrypoints.web.deps import event_stream
from closeloop_console.entrypoints.web.guards import UserDep, posted_form

router = APIRouter(include_in_schema=False)


def presence_of(request: Request) -> Presence:
    registry: Presence = request.app.state.presence
    return registry


@router.get("/complaints/{complaint_id}/presence")
async def presence_stream(request: Request, user: UserDep, complaint_id: str) -> Response:
    subscription = presence_of(request).join(complaint_id, user.sub)
    return event_stream(request, subscription, lambda message: str(message["type"]))


@router.post("/complaints/{complaint_id}/presence")
async def presence_mode(request: Request, user: UserDep, complaint_id: str) -> Response:
    form = await posted_form(request, user)
    mode = form.get("mode", "")
    if mode not in MODES:
        return Response(f"mode must be one of {', '.join(MODES)}", status_code=422)
    presence_of(request).set_mode(complaint_id, user.sub, mode)
    return Response(status_code=204)
