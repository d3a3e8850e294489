"""The communication record (every notification and its attempts, R5) and the phone
callback tasks agents work through."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from closeloop_feedback.container import Feedback
from closeloop_feedback.entrypoints.api.schemas import (
    CallbackTaskComplete,
    CallbackTaskRead,
    NotificationRead,
)
from closeloop_feedback.entrypoints.api.staff_surveys import ensure_visible
from closeloop_feedback.entrypoints.deps import CallerDep, FeedbackDep, ReaderDep
from closeloop_feedback.service_layer.clock import utc_now
from closeloop_shared.auth import Principal
from closeloop_shared.crypto import SealError
from closeloop_shared.http.errors import ApiError
from closeloop_shared.mongo import Document

router = APIRouter(tags=["communications"])
MASK = "***"


@router.get(
    "/v1/complaints/{complaint_id}/notifications",
    summary="Every notification sent (or tried) for a complaint, with each attempt",
)
async def complaint_notifications(
    complaint_id: str, feedback: FeedbackDep, principal: ReaderDep
) -> list[NotificationRead]:
    await ensure_visible(feedback, principal, complaint_id)
    docs = await feedback.notifications.for_complaint(complaint_id)
    return [
        NotificationRead(id=d["_id"], **{k: v for k, v in d.items() if k != "_id"}) for d in docs
    ]


async def task_read(doc: Document, feedback: Feedback, principal: Principal) -> CallbackTaskRead:
    name = phone = None
    record = await feedback.records.get(doc["complaint_id"])
    if record is not None and record.customer_sealed:
        if principal.can_read_pii:
            try:
                contact = feedback.contacts.open(record.customer_sealed)
                name, phone = contact.name, contact.phone
            except SealError:
                name = phone = None
        else:
            name = phone = MASK
    fields = {k: doc.get(k) for k in CallbackTaskRead.model_fields if k != "id"}
    fields.update(customer_name=name, customer_phone=phone)
    return CallbackTaskRead(id=doc["_id"], **fields)


@router.get("/v1/callback-tasks", summary="Phone callbacks to make (or made)")
async def callback_tasks(
    feedback: FeedbackDep,
    principal: CallerDep,
    status: Literal["open", "done"] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[CallbackTaskRead]:
    docs = await feedback.callback_tasks.list(status=status, limit=limit)
    return [await task_read(doc, feedback, principal) for doc in docs]


@router.post(
    "/v1/callback-tasks/{task_id}/complete",
    summary="Mark a callback as made",
    responses={404: {}, 409: {"description": "already completed"}},
)
async def complete_callback_task(
    task_id: str, body: CallbackTaskComplete, feedback: FeedbackDep, principal: CallerDep
) -> CallbackTaskRead:
    # The agent's note may mention the customer: sealed like every other contact record.
    note = feedback.sealer.seal(body.note, context="callback_note") if body.note else ""
    if not await feedback.callback_tasks.complete(
        task_id, by=principal.sub, note_sealed=note, at=utc_now()
    ):
        if await feedback.callback_tasks.get(task_id) is None:
            raise ApiError(404, "not_found", "no such callback task")
        raise ApiError(409, "conflict", "this callback task is already completed")
    await feedback.delivery.callback_made(task_id)  # the customer has been told now
    doc = await feedback.callback_tasks.get(task_id)
    assert doc is not None
    return await task_read(doc, feedback, principal)
