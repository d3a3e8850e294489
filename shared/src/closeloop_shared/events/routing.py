"""Events routing publishes on ``routing.events.v1``."""

from __future__ import annotations

from typing import Literal

from closeloop_shared.events.common import ComplaintEvent
from closeloop_shared.events.registry import event_type
from closeloop_shared.topics import ROUTING_EVENTS

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
