"""Response bodies of the intake API (``ComplaintRead`` and friends)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class RevealedContact(BaseModel):
    """The complainant's contact data in clear; each reveal is recorded in the audit log."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    customer_id: str | None = None


class CustomerRead(BaseModel):
    """The complainant: clear text with ``pii:read``, masked without, absent for auditors."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    customer_id: str | None = None
    tier: str | None = None
    pseudonym: str
    masked: bool = Field(description="true when contact fields are masked or withheld")


class ClockRead(BaseModel):
    """Intake's view of one SLA clock (projected from the SLA service's events)."""

    state: str
    deadline: datetime | None = None
    late: bool | None = None


class ComplaintRead(BaseModel):
    """A complaint as the caller may see it."""

    id: str
    version: int
    status: str
    channel: str
    kind: str
    category: str
    severity: str
    severity_reason: str
    category_reason: str | None = None  # derived from the text, or "given by caller"
    language: str
    customer: CustomerRead
    contact_methods: list[str]
    description: str
    demand: str
    location: str | None = None
    against: str | None = None
    region: str | None = None
    product: str | None = None
    occurred_at: datetime | None = None
    received_at: datetime
    updated_at: datetime | None = None
    received_by: str | None = None
    first_contact_owner: str | None = None
    department: str | None = None
    assignee: str | None = None
    co_owners: list[str] = []
    escalation: dict[str, Any] | None = None
    sla: dict[str, ClockRead] = {}
    next_deadline: datetime | None = Field(
        default=None, description="the nearest deadline of the clocks still counting"
    )
    clock_state: str | None = Field(
        default=None,
        description="worst state of those clocks: running, warning or breached "
        "(paused when every counting clock waits for the customer)",
    )
    survey: dict[str, Any] | None = None
    resolution: dict[str, Any] | None = None
    extensions: list[dict[str, Any]] = []
    attachments: list[dict[str, Any]] = []
    possible_duplicates: list[str] = []
    reopened_count: int = 0
    allowed_actions: list[str] = Field(description="what the caller may do now")


class ComplaintSummary(BaseModel):
    """One line of a customer's history."""

    id: str
    received_at: datetime
    status: str
    category: str
    severity: str
    department: str | None = None


class CustomerHistory(BaseModel):
    """The caller's complaints, found through the blind indexes (within the caller's
    departments for department users)."""

    repeat_count: int = Field(description="how many complaints this customer has made")
    last_complaints: list[ComplaintSummary] = Field(description="the latest ones, newest first")


class ComplaintPage(BaseModel):
    """One page of complaints in the requested order; pass ``next_cursor`` as ``cursor``.
    ``customer_history`` is set when the list looked a caller up by contact."""

    items: list[ComplaintRead]
    next_cursor: str | None = None
    customer_history: CustomerHistory | None = None


class TimelineEntry(BaseModel):
    """One thing that happened to the complaint (an event it published or received)."""

    id: str
    type: str
    change: str
    source: str
    at: datetime
    actor: str
    details: dict[str, Any]


class Timeline(BaseModel):
    """Everything that happened to a complaint, oldest first, one page at a time."""

    complaint_id: str
    entries: list[TimelineEntry]
    next_cursor: str | None = Field(
        default=None, description="pass as ?cursor= for the next page; absent on the last page"
    )
