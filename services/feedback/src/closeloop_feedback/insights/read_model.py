"""The insights read model: one document per complaint in ``insight_complaints``, built
from lifecycle, routing, SLA and survey events. It keeps what reports count (channel, kind,
category, severity, pseudonym, keyword terms, department, agent) and what happened (status
changes, resolutions, clock outcomes, survey answers) — never contact details: the sealed
customer data of ``ComplaintReceived`` is not even stored.

Every write is idempotent: appended facts carry the event id (``applied_once``) and the
latest-wins fields are conditional on the event's time or the complaint version, so a
redelivered or late event changes nothing."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_feedback.insights.segmentation import extract_terms
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.feedback import SurveyAnswered
from closeloop_shared.events.intake import (
    ChangeEvent,
    ComplaintReceived,
    ComplaintResolved,
    DepartmentChanged,
)
from closeloop_shared.events.routing import (
    ComplaintAssigned,
    ComplaintRouted,
    ComplaintTransferred,
)
from closeloop_shared.events.sla import ClockBreached, ClockMet
from closeloop_shared.kafka.consumer import Record
from closeloop_shared.mongo import Document, IndexSpec, applied_once
from closeloop_shared.topics import COMPLAINT_LIFECYCLE, FEEDBACK_EVENTS, ROUTING_EVENTS, SLA_EVENTS

COLLECTION = "insight_complaints"
INSIGHT_TOPICS = [
    COMPLAINT_LIFECYCLE.name,
    ROUTING_EVENTS.name,
    SLA_EVENTS.name,
    FEEDBACK_EVENTS.name,
]
# The lifecycle changes that move a complaint's status (notes and extensions do not).
STATUS_CHANGES = frozenset(
    {
        "acknowledged",
        "started",
        "awaiting_customer",
        "resumed",
        "resolved",
        "reopened",
        "closed",
        "archived",
    }
)
INDEXES = [
    IndexSpec(COLLECTION, [("received_at", 1)]),
    IndexSpec(COLLECTION, [("department", 1), ("received_at", 1)]),
    IndexSpec(COLLECTION, [("pseudonym", 1), ("received_at", 1)]),
    IndexSpec(COLLECTION, [("status_log.at", 1)]),
    IndexSpec(COLLECTION, [("clocks.at", 1)]),
    IndexSpec(COLLECTION, [("surveys.at", 1)]),
    IndexSpec(COLLECTION, [("last_change_at", 1), ("status", 1)]),
]


def change_name(event_type: str) -> str:
    """``closeloop.intake.complaint.resolved.v1`` → ``resolved``."""
    parts = event_type.split(".")
    return parts[3] if len(parts) >= 5 else ""


async def _append(
    db: AsyncDatabase[Document],
    cid: str,
    event_id: str,
    pushes: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> None:
    """Append facts once per event (upsert: events of other topics may come first)."""
    flt, upd = applied_once(event_id)
    update: dict[str, Any] = {"$push": {**pushes, **upd["$push"]}, **(extra or {})}
    with contextlib.suppress(DuplicateKeyError):  # the event was applied already
        await db[COLLECTION].update_one({"_id": cid, **flt}, update, upsert=True)


async def _set_latest(
    db: AsyncDatabase[Document], cid: str, stamp: str, at: datetime, values: dict[str, Any]
) -> None:
    """Set fields unless a later event already set them (``stamp`` holds that event's time)."""
    newer = {"$or": [{stamp: {"$exists": False}}, {stamp: {"$lte": at}}]}
    with contextlib.suppress(DuplicateKeyError):  # the document holds a newer value
        await db[COLLECTION].update_one(
            {"_id": cid, **newer}, {"$set": {**values, stamp: at}}, upsert=True
        )


async def _received(
    db: AsyncDatabase[Document], event: CloudEvent, data: ComplaintReceived
) -> None:
    attributes = {
        "received_at": data.received_at,
        "channel": data.channel.value,
        "kind": data.kind.value,
        "category": data.category,
        "severity": data.severity.value,
        "pseudonym": data.customer_pseudonym,
        "language": data.language,
        "region": data.region,
        "product": data.product,
        "terms": list(await extract_terms(data.text)),
    }
    entry = {
        "at": data.received_at,
        "version": data.version,
        "status": "received",
        "change": "received",
    }
    await _append(
        db,
        data.complaint_id,
        event.id,
        {"status_log": entry},
        {"$set": attributes, "$max": {"last_change_at": data.received_at}},
    )
    await _set_status(db, data.complaint_id, "received", data.version)


async def _set_status(db: AsyncDatabase[Document], cid: str, status: str, version: int) -> None:
    older = {"$or": [{"status_version": {"$exists": False}}, {"status_version": {"$lt": version}}]}
    await db[COLLECTION].update_one(
        {"_id": cid, **older}, {"$set": {"status": status, "status_version": version}}
    )


async def _changed(db: AsyncDatabase[Document], event: CloudEvent, data: ChangeEvent) -> None:
    change = change_name(event.type)
    if change not in STATUS_CHANGES:
        return
    pushes: dict[str, Any] = {
        "status_log": {
            "at": data.at,
            "version": data.version,
            "status": data.status.value,
            "change": change,
        }
    }
    if isinstance(data, ComplaintResolved):
        amount = data.compensation_amount
        pushes["resolutions"] = {
            "at": data.at,
            "outcome": data.outcome,
            "remedy_granted": bool((data.remedy or "").strip()) or bool(amount and amount > 0),
            "amount": amount,
            "currency": data.compensation_currency,
        }
    await _append(db, data.complaint_id, event.id, pushes, {"$max": {"last_change_at": data.at}})
    await _set_status(db, data.complaint_id, data.status.value, data.version)


async def _clock(
    db: AsyncDatabase[Document], event: CloudEvent, data: ClockMet | ClockBreached
) -> None:
    met = isinstance(data, ClockMet)
    entry = {
        "at": data.at,
        "clock": data.clock,
        "met": met,
        "late": data.late if isinstance(data, ClockMet) else True,
        "working_seconds": data.working_seconds if isinstance(data, ClockMet) else None,
        "severity": data.severity,
        "deadline": data.deadline,
        "run": data.run,
    }
    await _append(db, data.complaint_id, event.id, {"clocks": entry})


async def project_insight_event(
    db: AsyncDatabase[Document], event: CloudEvent, record: Record | None = None
) -> None:
    """Apply one event to the insights read model (idempotent; other types are ignored).
    Raises on database errors so the consumer loop retries or dead-letters."""
    data = event.data
    if isinstance(data, ComplaintReceived):
        await _received(db, event, data)
    elif isinstance(data, DepartmentChanged):
        await _set_latest(
            db, data.complaint_id, "department_at", data.at, {"department": data.department}
        )
    elif isinstance(data, ChangeEvent):
        await _changed(db, event, data)
    elif isinstance(data, ComplaintRouted):
        values = {"department": data.department}
        if data.first_contact_owner:
            values["first_contact_owner"] = data.first_contact_owner
        await _set_latest(db, data.complaint_id, "department_at", data.at, values)
    elif isinstance(data, ComplaintTransferred):
        await _set_latest(
            db, data.complaint_id, "department_at", data.at, {"department": data.to_department}
        )
    elif isinstance(data, ComplaintAssigned):
        await _set_latest(db, data.complaint_id, "agent_at", data.at, {"agent": data.assignee})
        await _set_latest(
            db, data.complaint_id, "department_at", data.at, {"department": data.department}
        )
    elif isinstance(data, ClockMet | ClockBreached):
        await _clock(db, event, data)
    elif isinstance(data, SurveyAnswered):
        entry = {
            "at": data.at,
            "survey_id": data.survey_id,
            "score": data.score,
            "solved": data.solved,
            "via": data.via,
        }
        await _append(db, data.complaint_id, event.id, {"surveys": entry})
