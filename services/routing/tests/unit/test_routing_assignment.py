"""Automatic assignment: least loaded first, round-robin ties, skills, capacity, queue."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from closeloop_routing.domain.assignment import (
    Agent,
    Assignment,
    QueuedComplaint,
    choose_agent,
    drain_queue,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _pool(n: int) -> dict[str, Agent]:
    return {f"a{i:02d}": Agent(f"a{i:02d}", "billing", capacity=1000) for i in range(n)}


def _assign_many(pool: dict[str, Agent], count: int, skill: str | None = None) -> list[str]:
    cursor: str | None = None
    chosen: list[str] = []
    for _ in range(count):
        agent_id, cursor = choose_agent(pool.values(), skill, cursor)
        assert agent_id is not None
        pool[agent_id] = replace(pool[agent_id], open_count=pool[agent_id].open_count + 1)
        chosen.append(agent_id)
    return chosen


def test_a_thousand_complaints_spread_evenly_over_ten_agents() -> None:
    pool = _pool(10)
    _assign_many(pool, 1000)
    counts = [agent.open_count for agent in pool.values()]
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == 1000


def test_spread_stays_within_one_at_every_step_from_an_uneven_start() -> None:
    pool = _pool(10)
    pool["a03"] = replace(pool["a03"], open_count=5)
    cursor: str | None = None
    for step in range(200):
        agent_id, cursor = choose_agent(pool.values(), None, cursor)
        assert agent_id is not None
        pool[agent_id] = replace(pool[agent_id], open_count=pool[agent_id].open_count + 1)
        if step >= 45:  # once the others caught up with a03
            counts = [a.open_count for a in pool.values()]
            assert max(counts) - min(counts) <= 1


def test_ties_rotate_round_robin_by_agent_id() -> None:
    assert _assign_many(_pool(3), 7) == ["a00", "a01", "a02", "a00", "a01", "a02", "a00"]


def test_the_least_loaded_agent_wins_over_round_robin() -> None:
    agents = [Agent("a", "d", open_count=3), Agent("b", "d", open_count=1), Agent("c", "d")]
    assert choose_agent(agents, None, rr_cursor="c") == ("c", "c")
    assert choose_agent(agents[:2], None, rr_cursor="b") == ("b", "b")


def test_the_cursor_survives_its_agent_leaving_the_pool() -> None:
    agents = [Agent("a", "d"), Agent("c", "d")]
    assert choose_agent(agents, None, rr_cursor="b") == ("c", "c")
    assert choose_agent(agents, None, rr_cursor="z") == ("a", "a")


def test_unavailable_agents_are_never_chosen() -> None:
    pool = _pool(4)
    pool["a01"] = replace(pool["a01"], available=False)
    pool["a02"] = replace(pool["a02"], available=False)
    assert set(_assign_many(pool, 100)) == {"a00", "a03"}


def test_only_agents_with_the_skill_are_chosen() -> None:
    agents = [
        Agent("a", "d", skills=frozenset({"billing"})),
        Agent("b", "d", skills=frozenset({"english"})),
        Agent("c", "d", skills=frozenset({"billing", "english"}), open_count=4),
    ]
    assert choose_agent(agents, "english", None) == ("b", "b")
    assert choose_agent(agents, "legal", None) == (None, None)
    assert choose_agent(agents, None, None) == ("a", "a")


def test_when_everyone_is_at_capacity_nobody_is_chosen_and_the_cursor_stays() -> None:
    agents = [Agent("a", "d", capacity=2, open_count=2), Agent("b", "d", capacity=1, open_count=1)]
    assert choose_agent(agents, None, "a") == (None, "a")
    assert choose_agent([], None, "a") == (None, "a")


def test_draining_the_queue_serves_the_most_severe_then_the_oldest() -> None:
    waiting = [
        QueuedComplaint("old-normal", T0, severity="normal"),
        QueuedComplaint("new-urgent", T0 + timedelta(hours=2), severity="urgent"),
        QueuedComplaint("newer-normal", T0 + timedelta(hours=1), severity="normal"),
    ]
    agents = [Agent("a", "d", capacity=1), Agent("b", "d", capacity=1)]
    result = drain_queue(waiting, agents, None)
    assert result.assignments == (Assignment("new-urgent", "a"), Assignment("old-normal", "b"))
    assert [w.complaint_id for w in result.waiting] == ["newer-normal"]
    assert {a.id: a.open_count for a in result.agents} == {"a": 1, "b": 1}
    assert result.rr_cursor == "b"


def test_a_complaint_needing_a_missing_skill_does_not_block_the_queue() -> None:
    waiting = [
        QueuedComplaint("needs-legal", T0, skill="legal"),
        QueuedComplaint("plain", T0 + timedelta(minutes=1)),
    ]
    result = drain_queue(waiting, [Agent("a", "d")], None)
    assert result.assignments == (Assignment("plain", "a"),)
    assert [w.complaint_id for w in result.waiting] == ["needs-legal"]


def test_draining_with_nobody_available_keeps_everyone_waiting() -> None:
    waiting = [QueuedComplaint("c1", T0), QueuedComplaint("c2", T0)]
    result = drain_queue(waiting, [Agent("a", "d", available=False)], "x")
    assert result.assignments == ()
    assert len(result.waiting) == 2
    assert result.rr_cursor == "x"
