"""Which complaints an agent may act on (issue 17: an agent scoped to logistics must not
acknowledge a customer-service complaint someone else owns).

An agent acts on a complaint of one of their departments, or one they own (assignee or
co-owner), or one they first received (first-contact responsibility, R1: the receiver
follows the complaint through even when another department handles it). Supervisors and
administrators act across departments; department users are limited by their scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from closeloop_intake.domain.lifecycle import Action, ActionForbidden, Role


@dataclass(frozen=True)
class Handling:
    """Who a complaint belongs to: its department and the people tied to it."""

    department: str | None
    assignee: str | None
    co_owners: tuple[str, ...]
    received_by: str | None
    first_contact_owner: str | None


class OutsideHandlingScope(ActionForbidden):
    """An agent acted on a complaint neither of their departments nor theirs (HTTP 403)."""

    def __init__(self, action: Action) -> None:
        Exception.__init__(
            self,
            f"agents may '{action}' only complaints of their departments, or that they own "
            "or first received",
        )
        self.role = Role.AGENT
        self.action = action


def agent_may_act(sub: str, departments: Iterable[str], handling: Handling) -> bool:
    """Whether an agent (``sub`` in ``departments``) may act on the complaint."""
    if handling.department is not None and handling.department in set(departments):
        return True
    people = {handling.assignee, handling.received_by, handling.first_contact_owner}
    return sub in people | set(handling.co_owners)


def may_act(roles: Iterable[Role], sub: str, departments: Iterable[str], h: Handling) -> bool:
    """Whether a caller with ``roles`` may act on the complaint at all. Only a caller whose
    single acting role is ``agent`` is limited here (the role table decides the rest)."""
    roles = set(roles)
    if roles & {Role.SUPERVISOR, Role.ADMIN, Role.SYSTEM, Role.DEPARTMENT}:
        return True  # department users are scoped by within_department_scope
    if Role.AGENT in roles:
        return agent_may_act(sub, departments, h)
    return True
