"""Field types shared by several event bodies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from closeloop_shared.events.envelope import EventData


class Channel(StrEnum):
    phone = "phone"
    web = "web"
    email = "email"
    walk_in = "walk_in"
    social = "social"
    wechat = "wechat"
    third_party = "third_party"
    other = "other"


class Kind(StrEnum):
    complaint = "complaint"
    grievance = "grievance"
    suggestion = "suggestion"
    praise = "praise"


class Severity(StrEnum):
    urgent = "urgent"
    major = "major"
    complex = "complex"  # R2/R4: several departments or long investigation; 5 working days
    normal = "normal"
    low = "low"


class Status(StrEnum):
    received = "received"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    awaiting_customer = "awaiting_customer"
    resolved = "resolved"
    closed = "closed"
    archived = "archived"


class ComplaintEvent(EventData):
    """Fields every complaint event carries."""

    complaint_id: str
    at: datetime
