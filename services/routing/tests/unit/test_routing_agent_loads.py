"""The in-memory view of agents' loads: recent reads are served with reservations and
releases applied; old or invalidated ones are read again, and a read that a release or an
invalidation overtook is not kept."""

from __future__ import annotations

from closeloop_routing.adapters.agent_loads import AgentLoads
from closeloop_routing.domain.assignment import Agent


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _pool(*counts: int, department: str = "billing") -> list[Agent]:
    return [
        Agent(id=f"a{n}", department=department, open_count=count) for n, count in enumerate(counts)
    ]


def _counts(agents: list[Agent] | None) -> list[int]:
    assert agents is not None
    return [a.open_count for a in agents]


def test_an_unknown_department_is_read() -> None:
    assert AgentLoads(1.0).agents("billing") is None


def test_reservations_and_releases_apply_to_the_stored_read() -> None:
    loads = AgentLoads(1.0)
    loads.store("billing", _pool(0, 3), loads.now(), loads.generation)
    loads.add("a0", 1)
    loads.add("a1", -1)
    assert _counts(loads.agents("billing")) == [1, 2]


def test_a_release_never_makes_a_load_negative() -> None:
    loads = AgentLoads(1.0)
    loads.store("billing", _pool(0), loads.now(), loads.generation)
    loads.add("a0", -1)
    assert _counts(loads.agents("billing")) == [0]


def test_a_read_older_than_the_max_age_is_read_again() -> None:
    clock = _Clock()
    loads = AgentLoads(1.0, clock=clock)
    loads.store("billing", _pool(0), clock(), loads.generation)
    clock.now += 1.5
    assert loads.agents("billing") is None


def test_forgetting_an_agent_drops_every_pool_it_is_in() -> None:
    loads = AgentLoads(1.0)
    loads.store("billing", _pool(0, 1), loads.now(), loads.generation)
    loads.store("logistics", _pool(1, department="logistics"), loads.now(), loads.generation)
    loads.store("other", [Agent(id="z", department="other")], loads.now(), loads.generation)
    loads.forget("a0")
    assert loads.agents("billing") is None and loads.agents("logistics") is None
    assert _counts(loads.agents("other")) == [0]


def test_a_read_started_before_an_invalidation_is_not_kept() -> None:
    loads = AgentLoads(1.0)
    generation, read_at = loads.generation, loads.now()
    loads.invalidate("a0")  # e.g. its capacity changed while the read was in flight
    loads.store("billing", _pool(0), read_at, generation)
    assert loads.agents("billing") is None


def test_a_read_started_before_a_release_is_not_kept() -> None:
    loads = AgentLoads(1.0)
    loads.store("billing", _pool(2), loads.now(), loads.generation)
    generation, read_at = loads.generation, loads.now()
    loads.add("a0", -1)  # the read may have been served before the release
    loads.store("billing", _pool(2), read_at, generation)
    assert _counts(loads.agents("billing")) == [1]


def test_a_read_started_before_a_failed_claim_is_kept() -> None:
    loads = AgentLoads(1.0)
    generation, read_at = loads.generation, loads.now()
    loads.forget("a0")  # a failed claim: a read can only understate what made it fail
    loads.store("billing", _pool(3), read_at, generation)
    assert _counts(loads.agents("billing")) == [3]


def test_forgetting_everything_drops_every_pool() -> None:
    loads = AgentLoads(1.0)
    loads.store("billing", _pool(0), loads.now(), loads.generation)
    loads.invalidate()
    assert loads.agents("billing") is None
