"""The caller's staff notifications: ``GET /v1/notifications`` (unread first, newest
first) and ``POST /v1/notifications/{id}/read``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from closeloop_feedback.entrypoints.api.schemas import StaffNotificationList, StaffNotificationRead
from closeloop_feedback.entrypoints.deps import FeedbackDep
from closeloop_feedback.service_layer.clock import utc_now
from closeloop_shared.auth import Principal, Role, require_roles
from closeloop_shared.http.errors import ApiError

router = APIRouter(tags=["staff notifications"])
# Everybody on staff who can be told something.
StaffDep = Annotated[
    Principal,
    Depends(require_roles(Role.agent, Role.supervisor, Role.department, Role.admin)),
]


@router.get(
    "/v1/notifications",
    summary="The caller's staff notifications, unread first",
)
async def my_notifications(
    feedback: FeedbackDep,
    principal: StaffDep,
    unread: Annotated[bool, Query(description="only unread ones")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> StaffNotificationList:
    """Warnings, breaches, escalations, transfers into the caller's departments and
    assignments addressed to the caller (``sub``), whether or not their e-mail has gone
    out yet (``send_at`` says when it does, by the department's working hours)."""
    docs = await feedback.staff_store.for_recipient(principal.sub, unread_only=unread, limit=limit)
    items = [StaffNotificationRead.of(d) for d in docs]
    return StaffNotificationList(notifications=items, unread=sum(1 for i in items if not i.read))


@router.post(
    "/v1/notifications/{notification_id}/read",
    summary="Mark one of the caller's notifications read",
    responses={404: {"description": "no such notification of the caller"}},
)
async def mark_read(
    notification_id: str, feedback: FeedbackDep, principal: StaffDep
) -> StaffNotificationRead:
    doc = await feedback.staff_store.mark_read(notification_id, principal.sub, utc_now())
    if doc is None:
        raise ApiError(404, "not_found", f"you have no notification '{notification_id}'")
    return StaffNotificationRead.of(doc)
