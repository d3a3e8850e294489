"""The events that announce a change, and the timeline entries that record it.

Every change produces its lifecycle event and the complaint's public, PII-free projection
(``PublicComplaintChanged``); both go through the outbox in the same document write.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from closeloop_intake.service.context import SOURCE
from closeloop_shared.events.common import ActedBy, ComplaintEvent
from closeloop_shared.events.envelope import CloudEvent, EventData
from closeloop_shared.events.public import PublicComplaintChanged
from closeloop_shared.mongo import Document

# Never copied into the timeline: sealed contact details are kept once, on the document.
_NOT_IN_TIMELINE = {"complaint_id", "at", "customer_sealed"}


def utc_now() -> datetime:
    """Now, truncated to milliseconds as MongoDB stores it (so cursors compare exactly)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def change_name(event_type: str) -> str:
    """``closeloop.intake.complaint.resolved.v1`` → ``resolved``."""
    return event_type.split(".")[-2]


def timeline_entry(event: CloudEvent, *, actor: str, **extra: Any) -> Document:
    """A timeline entry for ``event``: who did what when, with the event's details."""
    details = event.data.model_dump(mode="json", exclude=_NOT_IN_TIMELINE)
    return {
        "id": event.id,
        "type": event.type,
        "change": change_name(event.type),
        "source": event.source,
        "at": event.time,
        "actor": actor,
        "details": details | extra,
    }


def public_projection(doc: Document, *, change: str, at: datetime) -> PublicComplaintChanged:
    """The public projection of the complaint as it is after ``change``."""
    resolution = doc.get("resolution") or {}
    return PublicComplaintChanged(
        complaint_id=doc["_id"],
        at=at,
        change=change,
        status=doc["status"],
        version=doc["version"],
        channel=doc["channel"],
        kind=doc["kind"],
        category=doc["category"],
        severity=doc["severity"],
        department=doc.get("department"),
        customer_pseudonym=doc["customer_pseudonym"],
        received_at=doc["received_at"],
        outcome=resolution.get("outcome"),
    )


def announce(
    doc_after: Document,
    data: EventData,
    *,
    actor: str,
    at: datetime,
    acted_by: ActedBy | None = None,
) -> tuple[list[CloudEvent], list[Document]]:
    """Events (lifecycle + public) and timeline entries for a change that led to
    ``doc_after`` (the document as it will be after the write, version included). The
    lifecycle event names who acted (``acted_by``; by default ``actor`` as a system)."""
    subject = doc_after["_id"]
    if isinstance(data, ComplaintEvent) and data.acted_by is None:
        data = data.model_copy(
            update={"acted_by": acted_by or ActedBy(subject=actor, role="system")}
        )
    event = CloudEvent.of(data, source=SOURCE, subject=subject, time=at)
    public = public_projection(doc_after, change=change_name(event.type), at=at)
    public_event = CloudEvent.of(public, source=SOURCE, subject=subject, time=at)
    return [event, public_event], [timeline_entry(event, actor=actor)]
