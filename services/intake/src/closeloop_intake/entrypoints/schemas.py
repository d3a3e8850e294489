"""Request bodies of the intake API (``ComplaintCreate`` and the action bodies).

Types, enumerations and absolute caps are checked here (422 naming each field); the
enterprise's configured limits and taxonomy are checked by the domain afterwards.
Unknown fields are refused so a misspelt field is named rather than silently dropped.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from closeloop_intake.domain.registration import Attachment, Customer, RegistrationForm
from closeloop_shared.events.common import Channel, Kind, Severity

ABSOLUTE_TEXT_CAP = 200_000  # the body limit bounds it anyway; configured limits are lower
SHORT_CAP = 2_000
# Notes, contact summaries and the basis of a decision: enough for any real note, and a
# complaint's timeline (one document) cannot be pushed toward the 16 MB document limit.
NOTE_CAP = 10_000
PHONE = r"^\+?[0-9][0-9 ().-]{3,30}$"
EMAIL = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CustomerIn(StrictBody):
    """The complainant; a complaint or grievance needs a phone, e-mail or address."""

    name: str | None = Field(default=None, max_length=SHORT_CAP)
    phone: str | None = Field(default=None, pattern=PHONE, examples=["+8613800138000"])
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL)
    address: str | None = Field(default=None, max_length=SHORT_CAP)
    customer_id: str | None = Field(default=None, max_length=200)
    tier: str | None = Field(default=None, max_length=50)


class AttachmentIn(StrictBody):
    """Metadata of a file stored elsewhere (intake keeps no file content)."""

    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=255)
    size_bytes: int = Field(default=0, ge=0, le=2**53)  # stored as a 64-bit integer
    url: str | None = Field(default=None, max_length=2_000)


class ComplaintCreate(StrictBody):
    """``POST /v1/complaints``: only channel, kind, customer and description are required."""

    channel: Channel
    kind: Kind
    customer: CustomerIn
    description: str = Field(max_length=ABSOLUTE_TEXT_CAP, description="what happened")
    demand: str = Field(default="", max_length=ABSOLUTE_TEXT_CAP, description="what they want")
    location: str | None = Field(default=None, max_length=SHORT_CAP, description="where")
    against: str | None = Field(default=None, max_length=SHORT_CAP, description="whom/what")
    region: str | None = Field(default=None, max_length=200)
    product: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=100)
    severity: Severity | None = Field(default=None, description="graded from rules if absent")
    occurred_at: AwareDatetime | None = None
    received_by: str | None = Field(default=None, max_length=200, description="first-contact owner")
    language: Literal["zh-CN", "en"] | None = None
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=1_000)

    def to_form(self, *, channel: str | None = None) -> RegistrationForm:
        """The domain's registration form (``channel`` overrides, e.g. for webhooks)."""
        return RegistrationForm(
            channel=channel or str(self.channel),
            kind=str(self.kind),
            customer=Customer(**self.customer.model_dump()),
            description=self.description,
            demand=self.demand,
            location=self.location,
            against=self.against,
            region=self.region,
            product=self.product,
            category=self.category,
            severity=str(self.severity) if self.severity else None,
            occurred_at=self.occurred_at,
            received_by=self.received_by,
            language=self.language,
            attachments=tuple(Attachment(**a.model_dump()) for a in self.attachments),
        )


class WebhookComplaint(ComplaintCreate):
    """A third-party platform's complaint; ``external_id`` makes redelivery idempotent."""

    channel: Channel = Channel.third_party
    kind: Kind = Kind.complaint
    external_id: str | None = Field(default=None, max_length=200)


class ActionBody(StrictBody):
    """Body of the actions that need nothing but may carry an internal note."""

    note: str | None = Field(default=None, max_length=NOTE_CAP)


class NotesBody(StrictBody):
    text: str = Field(min_length=1, max_length=NOTE_CAP)


class ContactBody(ActionBody):
    method: Literal["phone", "email", "sms", "system_message", "wechat", "letter", "in_person"]
    direction: Literal["outbound", "inbound"] = "outbound"
    summary: str = Field(min_length=1, max_length=NOTE_CAP)


class AwaitCustomerBody(ActionBody):
    reason: str = Field(default="", max_length=SHORT_CAP)


class ReopenBody(ActionBody):
    reason: str = Field(min_length=1, max_length=SHORT_CAP)


class ResolveBody(ActionBody):
    outcome: Literal["upheld", "partially_upheld", "rejected"]
    basis: str = Field(min_length=1, max_length=NOTE_CAP)
    remedy: str | None = Field(default=None, max_length=NOTE_CAP)
    compensation_amount: Decimal | None = Field(default=None, ge=0, max_digits=14)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class ExtendBody(ActionBody):
    reason: str = Field(min_length=1, max_length=SHORT_CAP)
    customer_consented: bool
    new_deadline: AwareDatetime | None = None
    duration: str | None = Field(
        default=None,
        max_length=40,
        examples=["P2D", "PT24H"],
        description="ISO-8601 (P3D, PT24H, PT1.5H; no years, months or weeks), passed to the "
        "SLA unchanged: P1D is one working day, PT24H 24 working hours",
    )
    legal_basis: str | None = Field(default=None, max_length=SHORT_CAP)
    clock: str = Field(default="resolution", pattern=r"^[a-z][a-z0-9_]{0,63}$")
