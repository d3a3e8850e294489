"""The public, PII-free stream ``complaints.public.v1`` for other departments. It carries
no personal data at all: the customer appears only as a keyed pseudonym (HMAC)."""

from __future__ import annotations

from datetime import datetime

from closeloop_shared.events.common import Channel, ComplaintEvent, Kind, Severity, Status
from closeloop_shared.events.registry import event_type
from closeloop_shared.topics import COMPLAINTS_PUBLIC


@event_type("closeloop.public.complaint.changed.v1", topic=COMPLAINTS_PUBLIC.name)
class PublicComplaintChanged(ComplaintEvent):
    """The complaint's current public projection after a change."""

    change: str  # the lifecycle event that caused it, e.g. "received", "resolved"
    status: Status
    version: int
    channel: Channel
    kind: Kind
    category: str
    severity: Severity
    department: str | None = None
    customer_pseudonym: str
    received_at: datetime
    outcome: str | None = None
