"""This process's view of its departments' agents and their loads, so that choosing an
agent for a complaint costs no database read.

The view may understate a load, never overstate it (beyond the slots this process has
reserved and is claiming): a claim is a conditional update that fails when the agent's
stored load is above the one the choice saw, and a failed claim drops the view, so an
understated load costs a retry while an overstated one would steer complaints away from
the least loaded agent. Hence: a reservation is counted the moment an agent is chosen (so
concurrent handlers of this process spread instead of colliding), a reservation that
will not be claimed is taken back, releases are subtracted, and anything else (capacity,
availability, memberships, other processes' changes) is re-read from the database, at
once when it happens through this process and within ``max_age_s`` otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from closeloop_routing.domain.assignment import Agent


class AgentLoads:
    """Departments' agent pools as last read, with the loads kept current in memory."""

    def __init__(self, max_age_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._max_age_s = max_age_s
        self._clock = clock
        self._pools: dict[str, tuple[tuple[Agent, ...], float]] = {}  # department → read
        self._counts: dict[str, int] = {}  # agent → open complaints, reservations included
        # Bumped by every change a read in flight may have missed (a release, a capacity):
        # such a read may overstate, so it is used once but not kept.
        self.generation = 0

    def now(self) -> float:
        return self._clock()

    def agents(self, department: str) -> list[Agent] | None:
        """The department's agents with their current loads; None when not known or
        older than ``max_age_s`` (read them again)."""
        entry = self._pools.get(department)
        if entry is None or self._clock() - entry[1] > self._max_age_s:
            return None
        agents, _ = entry
        if any(a.id not in self._counts for a in agents):
            return None
        return [replace(a, open_count=self._counts[a.id]) for a in agents]

    def store(
        self, department: str, agents: Sequence[Agent], read_at: float, generation: int
    ) -> None:
        """Keep what a read started at ``read_at`` found, unless the view was invalidated
        since (the read may predate the change that invalidated it)."""
        if generation != self.generation:
            return
        self._pools[department] = (tuple(agents), read_at)
        for agent in agents:
            self._counts[agent.id] = agent.open_count

    def add(self, agent_id: str, delta: int) -> None:
        """Count ``delta`` more open complaints for the agent: a reservation or a claim
        (+1), or a release (-1, which reads in flight may predate)."""
        if delta < 0:
            self.generation += 1
        if agent_id in self._counts:
            self._counts[agent_id] = max(0, self._counts[agent_id] + delta)

    def forget(self, agent_id: str) -> None:
        """Drop the pools holding ``agent_id`` (a claim found its load or availability
        other than seen); they are read again."""
        self._counts.pop(agent_id, None)
        for department, (agents, _) in list(self._pools.items()):
            if any(a.id == agent_id for a in agents):
                del self._pools[department]

    def invalidate(self, agent_id: str | None = None) -> None:
        """Like ``forget`` (every pool when ``agent_id`` is None), after a change made
        through this process that reads in flight may predate (capacity, availability,
        memberships)."""
        self.generation += 1
        if agent_id is None:
            self._pools.clear()
            self._counts.clear()
            return
        self.forget(agent_id)
