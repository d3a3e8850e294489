"""Request and response bodies of the staff-facing feedback API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SurveyPhoneAnswerCreate(BaseModel):
    """An answer an agent took on the phone on the customer's behalf."""

    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5)
    solved: bool
    comment: str = Field(default="", max_length=2000)


class SurveyAnswerRead(BaseModel):
    score: int
    solved: bool
    via: Literal["web", "phone"]
    by: str | None = None
    comment: str | None = Field(default=None, description="only with the pii:read scope")


class SurveyRead(BaseModel):
    """A satisfaction survey as staff see it."""

    id: str
    complaint_id: str
    status: str
    department: str | None = None
    language: str
    channel: str | None = None
    resolved_at: datetime | None = None
    due_at: datetime | None = None
    sent_at: datetime | None = None
    reminded_at: datetime | None = None
    expires_at: datetime | None = None
    answered_at: datetime | None = None
    expired_at: datetime | None = None
    dissatisfied: bool | None = None
    answer: SurveyAnswerRead | None = None


class AttemptRead(BaseModel):
    attempt: int
    at: datetime
    result: str
    error: str | None = None


class NotificationRead(BaseModel):
    """One notification in the communication record (content is not repeated here)."""

    id: str
    complaint_id: str
    template: str
    channel: str | None
    language: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None = None
    failed_at: datetime | None = None
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    history: list[AttemptRead] = []
    delivery_status: str | None = None  # the SMS provider's receipt, when it sent one
    delivery_at: datetime | None = None


class SmsReceipt(BaseModel):
    """A delivery receipt of the SMS provider for the message sent as ``reference``."""

    model_config = ConfigDict(extra="ignore")

    reference: str = Field(min_length=1, max_length=200, description="the notification id")
    status: Literal["delivered", "failed", "undelivered", "expired"]
    error: str | None = Field(default=None, max_length=200)


class SmsReceiptRead(BaseModel):
    reference: str
    delivery_status: str


class CallbackTaskRead(BaseModel):
    """A phone call an agent should make, with the script to read."""

    id: str
    complaint_id: str
    template: str
    survey_id: str | None = None
    language: str
    status: str
    script: str
    created_at: datetime
    customer_name: str | None = Field(default=None, description="masked without pii:read")
    customer_phone: str | None = Field(default=None, description="masked without pii:read")


class CallbackTaskComplete(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


class StaffNotificationRead(BaseModel):
    """One staff notification: what happened to which complaint, and whether it was read."""

    id: str
    kind: str  # warning | breach | escalation | major | transfer | assignment
    complaint_id: str
    department: str
    subject: str
    text: str
    urgent: bool
    created_at: datetime
    send_at: datetime | None = None  # when the e-mail goes (working hours), or went
    status: str  # the e-mail: pending | sending | sent | failed
    read: bool
    read_at: datetime | None = None

    @classmethod
    def of(cls, doc: dict[str, Any]) -> StaffNotificationRead:
        return cls(
            id=doc["_id"],
            kind=doc["kind"],
            complaint_id=doc["complaint_id"],
            department=doc["department"],
            subject=doc["subject"],
            text=doc["text"],
            urgent=bool(doc.get("urgent")),
            created_at=doc["created_at"],
            send_at=doc.get("sent_at") or doc.get("next_attempt_at"),
            status=doc["status"],
            read=bool(doc.get("read")),
            read_at=doc.get("read_at"),
        )


class StaffNotificationList(BaseModel):
    """The caller's notifications (unread first) and how many of them are unread."""

    notifications: list[StaffNotificationRead]
    unread: int
