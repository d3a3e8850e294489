"""Automatic assignment of a routed complaint to an agent of its department (R3).

An agent can take a complaint when available, below capacity and (if a skill is needed)
skilled. Among those, the least loaded (fewest open complaints) wins; ties go round-robin.
The round-robin cursor is the id of the agent chosen last: the next tie goes to the first
tied agent whose id sorts after it, wrapping around. Using an id rather than a list index
keeps the rotation fair when agents join or leave the pool.

When nobody can take it, the complaint waits in the department queue; :func:`drain_queue`
hands waiting complaints out once agents free up, most severe first, then oldest first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

_SEVERITY_RANK = {"urgent": 0, "major": 1, "complex": 2, "normal": 3, "low": 4}


@dataclass(frozen=True)
class Agent:
    """A member of a department's agent pool and how loaded they are right now."""

    id: str
    department: str
    skills: frozenset[str] = frozenset()
    capacity: int = 10
    available: bool = True
    open_count: int = 0

    def can_take(self, skill: str | None) -> bool:
        """Whether this agent may be given one more complaint needing ``skill``."""
        has_skill = skill is None or skill in self.skills
        return self.available and self.open_count < self.capacity and has_skill


def choose_agent(
    agents: Iterable[Agent], skill: str | None, rr_cursor: str | None
) -> tuple[str | None, str | None]:
    """Pick the agent for one complaint; return ``(agent_id, new_cursor)``.

    ``(None, rr_cursor)`` when nobody can take it, so the complaint waits in the queue.
    """
    eligible = [agent for agent in agents if agent.can_take(skill)]
    if not eligible:
        return None, rr_cursor
    least = min(agent.open_count for agent in eligible)
    tied = sorted(agent.id for agent in eligible if agent.open_count == least)
    chosen = next(
        (agent_id for agent_id in tied if rr_cursor is None or agent_id > rr_cursor), None
    )
    if chosen is None:
        chosen = tied[0]
    return chosen, chosen


@dataclass(frozen=True)
class QueuedComplaint:
    """A complaint waiting in a department queue for an agent."""

    complaint_id: str
    enqueued_at: datetime
    skill: str | None = None
    severity: str = "normal"


@dataclass(frozen=True)
class Assignment:
    """``complaint_id`` was given to ``agent_id``."""

    complaint_id: str
    agent_id: str


@dataclass(frozen=True)
class DrainResult:
    """What :func:`drain_queue` did: the assignments, who still waits, the updated pool."""

    assignments: tuple[Assignment, ...]
    waiting: tuple[QueuedComplaint, ...]
    agents: tuple[Agent, ...]
    rr_cursor: str | None


def _queue_position(item: QueuedComplaint) -> tuple[int, datetime, str]:
    return (
        _SEVERITY_RANK.get(item.severity, len(_SEVERITY_RANK)),
        item.enqueued_at,
        item.complaint_id,
    )


def drain_queue(
    waiting: Iterable[QueuedComplaint], agents: Iterable[Agent], rr_cursor: str | None
) -> DrainResult:
    """Assign as many waiting complaints as the pool can take, most severe and oldest first.

    A complaint needing a skill nobody free has does not block the ones behind it.
    """
    pool = {agent.id: agent for agent in agents}
    assignments: list[Assignment] = []
    still_waiting: list[QueuedComplaint] = []
    cursor = rr_cursor
    for item in sorted(waiting, key=_queue_position):
        agent_id, cursor = choose_agent(pool.values(), item.skill, cursor)
        if agent_id is None:
            still_waiting.append(item)
            continue
        pool[agent_id] = replace(pool[agent_id], open_count=pool[agent_id].open_count + 1)
        assignments.append(Assignment(item.complaint_id, agent_id))
    return DrainResult(tuple(assignments), tuple(still_waiting), tuple(pool.values()), cursor)
