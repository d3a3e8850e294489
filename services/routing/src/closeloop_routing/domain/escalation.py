"""Escalation decisions for warnings, breaches and major complaints (R3, R4).

Levels:

- 0 — notification only: an SLA warning goes to the assignee and the department supervisor.
- 1 — supervisor: on a breach the supervisor takes the complaint over (``reassign``) or
  joins the assignee as co-owner (``co_owner``), as the department's policy says.
- 2 — leader: from the ``leader_after_breaches``-th distinct breach on, and at once for a
  major complaint, the responsible leader is told and becomes co-owner; a major complaint
  also gets the department's special team as co-owners (001 篇2 §2.2(3)).

The functions take the number of *distinct* breaches so far (counted by the adapter by
event id), so a redelivered breach event yields the same decision and escalates once.

A complaint's escalation level never moves down: they also take the level it has reached
(``current_level``), so a later warning reports that level rather than 0, and a breach of
a complaint already with the leader (a major one) goes to the leader again.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from closeloop_routing.domain.departments import Department

__all__ = [
    "BreachAction",
    "Department",
    "Escalation",
    "EscalationAction",
    "EscalationLevel",
    "EscalationPolicy",
    "Notify",
    "on_major_complaint",
    "on_sla_breach",
    "on_sla_warning",
    "raised_level",
]


class BreachAction(StrEnum):
    """What the supervisor does with a breached complaint (level 1)."""

    REASSIGN = "reassign"
    CO_OWNER = "co_owner"


class EscalationLevel(IntEnum):
    """Who a complaint is escalated to."""

    SUPERVISOR = 1
    LEADER = 2


class EscalationAction(StrEnum):
    """What an escalation does to ownership."""

    REASSIGN = "reassign"
    CO_OWNER = "co_owner"
    REPORT_TO_LEADER = "report_to_leader"
    SPECIAL_TEAM = "special_team"


@dataclass(frozen=True)
class EscalationPolicy:
    """A department's escalation settings."""

    on_breach: BreachAction = BreachAction.REASSIGN
    leader_after_breaches: int = 2

    def __post_init__(self) -> None:
        if self.leader_after_breaches < 1:
            raise ValueError("leader_after_breaches must be at least 1")


@dataclass(frozen=True)
class Notify:
    """Tell ``targets`` about a complaint; ``level`` 0 changes no ownership."""

    targets: tuple[str, ...]
    level: int
    reason: str


@dataclass(frozen=True)
class Escalation:
    """An escalation decision: who it goes to, who owns the complaint afterwards, who hears."""

    level: EscalationLevel
    to: str
    action: EscalationAction
    owner: str
    co_owners: tuple[str, ...]
    notify: tuple[str, ...]
    reason: str


def _unique(*people: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for p in people if p))


def raised_level(current_level: int, new_level: int) -> int:
    """The complaint's escalation level after an escalation at ``new_level``: never lower
    than the level it had reached."""
    return max(current_level, new_level)


def on_sla_warning(
    department: Department, assignee: str | None, clock: str, current_level: int = 0
) -> list[Notify]:
    """Warn the assignee and the supervisor (and the leader, once the complaint reached
    them) that ``clock`` is close to its deadline; the level stays where it is."""
    reason = f"SLA clock '{clock}' reached its warning threshold"
    if assignee is None:
        reason += "; the complaint has no assignee"
    leader = department.leader if current_level >= EscalationLevel.LEADER else None
    targets = _unique(assignee, department.supervisor, leader)
    return [Notify(targets, raised_level(current_level, 0), reason)]


def _to_leader(department: Department, owner: str, assignee: str | None, reason: str) -> Escalation:
    return Escalation(
        level=EscalationLevel.LEADER,
        to=department.leader,
        action=EscalationAction.REPORT_TO_LEADER,
        owner=owner,
        co_owners=_unique(department.leader),
        notify=_unique(department.leader, department.supervisor, assignee),
        reason=reason,
    )


def on_sla_breach(
    department: Department,
    assignee: str | None,
    clock: str,
    distinct_breaches: int,
    policy: EscalationPolicy = EscalationPolicy(),
    current_level: int = 0,
) -> Escalation:
    """Escalate a breach of ``clock``; ``distinct_breaches`` counts this one too (≥ 1).

    Level 2 (leader) from the policy's ``leader_after_breaches``-th breach, when the
    complaint is with the leader already (``current_level`` 2: escalation never moves
    down), or when the supervisor already owns it (escalating to oneself would change
    nothing); else level 1.
    """
    if distinct_breaches < 1:
        raise ValueError("distinct_breaches counts the current breach, so it is at least 1")
    supervisor = department.supervisor
    breach = f"SLA clock '{clock}' breached (breach {distinct_breaches})"
    if distinct_breaches >= policy.leader_after_breaches:
        return _to_leader(department, assignee or supervisor, assignee, breach)
    if current_level >= EscalationLevel.LEADER:
        return _to_leader(
            department, assignee or supervisor, assignee, f"{breach}; with the leader"
        )
    if assignee == supervisor:
        return _to_leader(department, supervisor, assignee, f"{breach}; supervisor owns it")
    if policy.on_breach is BreachAction.REASSIGN or assignee is None:
        return Escalation(
            level=EscalationLevel.SUPERVISOR,
            to=supervisor,
            action=EscalationAction.REASSIGN,
            owner=supervisor,
            co_owners=(),
            notify=_unique(supervisor, assignee),
            reason=f"{breach}; reassigned to the supervisor",
        )
    return Escalation(
        level=EscalationLevel.SUPERVISOR,
        to=supervisor,
        action=EscalationAction.CO_OWNER,
        owner=assignee,
        co_owners=(supervisor,),
        notify=_unique(supervisor, assignee),
        reason=f"{breach}; supervisor added as co-owner",
    )


def on_major_complaint(department: Department, assignee: str | None) -> Escalation:
    """Report a major complaint to the leader and put the special team on it (level 2)."""
    reason = "major complaint: reported to the responsible leader"
    if department.special_team:
        reason += " and handled by the special team"
    else:
        reason += "; the department has no special team configured"
    return Escalation(
        level=EscalationLevel.LEADER,
        to=department.leader,
        action=EscalationAction.SPECIAL_TEAM,
        owner=assignee or department.supervisor,
        co_owners=_unique(department.leader, *department.special_team),
        notify=_unique(
            department.leader, department.supervisor, assignee, *department.special_team
        ),
        reason=reason,
    )
