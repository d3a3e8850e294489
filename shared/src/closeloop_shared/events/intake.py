"""Events intake publishes on ``complaints.lifecycle.v1``. Contact data never appears in
clear text: it travels sealed (AES-GCM) for the services entitled to contact the customer,
and as a keyed pseudonym for counting."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from closeloop_shared.events.common import Channel, ComplaintEvent, Kind, Severity, Status
from closeloop_shared.events.registry import event_type
from closeloop_shared.topics import COMPLAINT_LIFECYCLE

T = COMPLAINT_LIFECYCLE.name


class ChangeEvent(ComplaintEvent):
    """A state change made by someone (an agent, a system) at a complaint version."""

    version: int
    actor: str
    status: Status


@event_type("closeloop.intake.complaint.received.v1", topic=T)
class ComplaintReceived(ComplaintEvent):
    """A complaint was registered through a channel."""

    version: int = 1
    received_at: datetime
    occurred_at: datetime | None = None
    channel: Channel
    kind: Kind
    category: str
    severity: Severity
    severity_reason: str
    category_reason: str | None = None  # why this category (derived from the text, or given)
    customer_pseudonym: str
    customer_tier: str | None = None
    region: str | None = None
    product: str | None = None
    language: str = "zh-CN"
    text: str = ""  # description and demand with known contact details redacted
    received_by: str | None = None
    contact_methods: list[Literal["email", "phone", "address"]] = []
    customer_sealed: str = ""  # AES-GCM sealed contact details (closeloop_shared.crypto)
    possible_duplicates: list[str] = []


@event_type("closeloop.intake.complaint.acknowledged.v1", topic=T)
class ComplaintAcknowledged(ChangeEvent):
    """First response given to the customer."""


@event_type("closeloop.intake.complaint.started.v1", topic=T)
class ComplaintStarted(ChangeEvent):
    """Handling started (plan agreed)."""


@event_type("closeloop.intake.complaint.awaiting_customer.v1", topic=T)
class ComplaintAwaitingCustomer(ChangeEvent):
    """Waiting for the customer; SLA clocks pause."""

    reason: str = ""


@event_type("closeloop.intake.complaint.resumed.v1", topic=T)
class ComplaintResumed(ChangeEvent):
    """The customer answered; SLA clocks resume."""


@event_type("closeloop.intake.complaint.resolved.v1", topic=T)
class ComplaintResolved(ChangeEvent):
    """A decision was reached and recorded with its basis and any remedy."""

    outcome: Literal["upheld", "partially_upheld", "rejected"]
    basis: str
    remedy: str | None = None
    compensation_amount: float | None = None
    compensation_currency: str | None = None


@event_type("closeloop.intake.complaint.reopened.v1", topic=T)
class ComplaintReopened(ChangeEvent):
    """Handled again, e.g. because the customer was not satisfied."""

    reason: str


@event_type("closeloop.intake.complaint.closed.v1", topic=T)
class ComplaintClosed(ChangeEvent):
    """Handling complete."""


@event_type("closeloop.intake.complaint.archived.v1", topic=T)
class ComplaintArchived(ChangeEvent):
    """The complete record was archived."""


@event_type("closeloop.intake.complaint.extended.v1", topic=T)
class ComplaintExtended(ChangeEvent):
    """A time limit was extended, with its reason and the customer's consent."""

    clock: str = "resolution"
    extend_by: str | None = None  # ISO-8601 duration
    new_deadline: datetime | None = None
    reason: str
    customer_consented: bool


@event_type("closeloop.intake.complaint.note_added.v1", topic=T)
class NoteAdded(ChangeEvent):
    """An internal note or a contact-log entry (text sealed: it may hold personal data)."""

    entry: Literal["note", "contact"] = "note"
    contact_method: str | None = None
    text_sealed: str = ""


@event_type("closeloop.intake.complaint.department_changed.v1", topic=T)
class DepartmentChanged(ChangeEvent):
    """Intake's view took the department routing decided (projection acknowledgement)."""

    department: str
    first_contact_owner: str | None = None


@event_type("closeloop.intake.complaint.contact_revealed.v1", topic=T)
class ContactRevealed(ComplaintEvent):
    """Someone entitled to (``pii:read``) had the complaint's contact data shown in clear.

    Records who, when and which fields were present; never the contact data itself."""

    actor: str
    fields: list[Literal["name", "phone", "email", "address", "customer_id"]] = []
