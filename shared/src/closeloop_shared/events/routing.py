"""Events routing publishes on ``routing.events.v1``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from closeloop_shared.events.common import ComplaintEvent
from closeloop_shared.events.envelope import EventData
from closeloop_shared.events.registry import event_type
from closeloop_shared.topics import ROUTING_DIRECTORY, ROUTING_EVENTS

T = ROUTING_EVENTS.name


@event_type("closeloop.routing.complaint.routed.v1", topic=T)
class ComplaintRouted(ComplaintEvent):
    """The responsible department was chosen, with the rule that matched and why."""

    department: str
    queue: str | None = None
    skill: str | None = None
    rule_id: str | None = None
    rule_set_version: int
    reason: str
    first_contact_owner: str | None = None  # the agent who received it (首问负责制)


@event_type("closeloop.routing.complaint.assigned.v1", topic=T)
class ComplaintAssigned(ComplaintEvent):
    """An agent of the department now handles the complaint."""

    department: str
    assignee: str
    co_owners: list[str] = []


@event_type("closeloop.routing.complaint.queued.v1", topic=T)
class ComplaintQueued(ComplaintEvent):
    """No agent was available; the complaint waits in the department queue."""

    department: str
    queue: str | None = None


@event_type("closeloop.routing.complaint.transferred.v1", topic=T)
class ComplaintTransferred(ComplaintEvent):
    """Handed to another department; the first-contact owner stays."""

    from_department: str
    to_department: str
    reason: str
    by: str
    first_contact_owner: str | None = None  # stays with the complaint across departments


@event_type("closeloop.routing.complaint.escalated.v1", topic=T)
class ComplaintEscalated(ComplaintEvent):
    """Escalated: level 1 supervisor, level 2 department leader (and special team)."""

    level: int
    to: list[str]
    reason: str
    trigger: Literal["sla_warning", "sla_breach", "major_complaint", "manual"]
    mode: Literal["notify", "reassign", "co_owner", "special_team"] = "notify"
    clock: str | None = None
    department: str | None = None  # the complaint's department when it escalated


class WorkingHours(BaseModel):
    """When a department works: ISO weekdays (1 = Monday) from ``start`` to ``end``."""

    timezone: str
    days: list[int]
    start: str  # "HH:MM"
    end: str


@event_type("closeloop.routing.department.directory.v1", topic=ROUTING_DIRECTORY.name)
class DepartmentDirectory(EventData):
    """A department's staff as routing knows them, published at start-up and on every
    change of the department set (keyed by department id; the latest ``version`` wins).
    E-mail addresses are personal data: they travel sealed (``contacts_sealed``, a
    person id → address object sealed with the platform key, context
    ``staff-directory``)."""

    department: str
    version: int
    at: datetime
    supervisor: str
    leader: str
    members: list[str] = []
    special_team: list[str] = []
    on_call: str | None = None
    working_hours: WorkingHours | None = None
    contacts_sealed: str | None = None
