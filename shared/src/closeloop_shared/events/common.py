"""Field types shared by several event bodies."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

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


# The role an actor is recorded with when a token carries several, strongest first.
ROLE_PRECEDENCE = ("admin", "supervisor", "agent", "department", "auditor", "channel", "system")


class ActedBy(BaseModel):
    """Who made a change happen: the subject (a person's token ``sub``, ``webhook:<source>``,
    ``system:<service>``) and the role they acted in."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    subject: str
    role: str

    @classmethod
    def of(cls, subject: str, roles: Iterable[str]) -> ActedBy:
        """``subject`` acting in the strongest of ``roles``."""
        held = set(roles)
        role = next((r for r in ROLE_PRECEDENCE if r in held), sorted(held)[0] if held else "")
        return cls(subject=subject, role=role or "system")

    @classmethod
    def system(cls, service: str) -> ActedBy:
        return cls(subject=f"system:{service}", role="system")


class ComplaintEvent(EventData):
    """Fields every complaint event carries."""

    complaint_id: str
    at: datetime
    acted_by: ActedBy | None = None  # who acted (absent on events from before it existed)
