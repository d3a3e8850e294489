"""Who owns a complaint, and how escalations and transfers change that (R1, R3).

The assignee handles the complaint; co-owners (a supervisor, the leader, a special team)
share it after an escalation. The first-contact owner — the agent who received it — stays
with the complaint whatever department ends up handling it (首问负责制).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum

from closeloop_routing.domain.escalation import Escalation, EscalationAction


class Placement(StrEnum):
    """Where a complaint is in its department: with an agent, waiting, or done with."""

    ASSIGNED = "assigned"
    QUEUED = "queued"
    DONE = "done"


@dataclass(frozen=True)
class Ownership:
    """The department, assignee and co-owners of one complaint."""

    department: str
    assignee: str | None = None
    co_owners: tuple[str, ...] = ()
    first_contact_owner: str | None = None

    @property
    def placement(self) -> Placement:
        """Assigned when somebody owns it, otherwise waiting in the department queue."""
        return Placement.ASSIGNED if self.assignee else Placement.QUEUED


def _without(people: tuple[str, ...], owner: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for p in people if p and p != owner))


def apply_escalation(ownership: Ownership, escalation: Escalation) -> Ownership:
    """Ownership after ``escalation``: its owner becomes assignee, its co-owners join."""
    owner = escalation.owner or ownership.assignee
    co_owners = _without((*ownership.co_owners, *escalation.co_owners), owner)
    return replace(ownership, assignee=owner, co_owners=co_owners)


def transfer_to(ownership: Ownership, department: str, keep: Collection[str] = ()) -> Ownership:
    """Ownership handed to ``department``: nobody there owns it yet, and the co-owners of
    the old department leave, except those in ``keep`` — the leader and special team a
    major complaint was given, who follow it across departments. The first-contact owner
    stays (首问负责制)."""
    kept = tuple(p for p in ownership.co_owners if p in keep)
    return Ownership(
        department=department, co_owners=kept, first_contact_owner=ownership.first_contact_owner
    )


def with_assignee(ownership: Ownership, assignee: str | None) -> Ownership:
    """``ownership`` given to ``assignee``, who is then no longer one of its co-owners."""
    return replace(ownership, assignee=assignee, co_owners=_without(ownership.co_owners, assignee))


# How each escalation action reads on the escalated event.
ESCALATION_MODES: dict[EscalationAction, str] = {
    EscalationAction.REASSIGN: "reassign",
    EscalationAction.CO_OWNER: "co_owner",
    EscalationAction.REPORT_TO_LEADER: "co_owner",
    EscalationAction.SPECIAL_TEAM: "special_team",
}


def escalation_targets(escalation: Escalation) -> list[str]:
    """Everyone an escalation goes to or informs, the escalation target first."""
    return list(dict.fromkeys((escalation.to, *escalation.co_owners, *escalation.notify)))
