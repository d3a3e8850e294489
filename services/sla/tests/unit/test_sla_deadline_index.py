"""The ordered deadline index: earliest first, O(log n), lazy deletion that stays compact."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from closeloop_sla.domain.deadline_index import DeadlineIndex

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_pop_due_returns_due_keys_earliest_first_and_leaves_the_rest() -> None:
    index = DeadlineIndex()
    index.schedule(("c-3", "resolution"), after(30))
    index.schedule(("c-1", "first_response"), after(10))
    index.schedule(("c-2", "archive"), after(20))
    assert index.next_instant() == after(10)
    assert index.pop_due(after(9.999999)) == []
    assert index.pop_due(after(20)) == [("c-1", "first_response"), ("c-2", "archive")]
    assert len(index) == 1
    assert index.next_instant() == after(30)


def test_equal_instants_pop_in_key_order() -> None:
    index = DeadlineIndex()
    for key in [("b", "x"), ("a", "y"), ("a", "x")]:
        index.schedule(key, after(5))
    assert index.pop_due(after(5)) == [("a", "x"), ("a", "y"), ("b", "x")]


def test_rescheduling_replaces_the_old_instant() -> None:
    index = DeadlineIndex()
    key = ("c-1", "resolution")
    index.schedule(key, after(10))
    index.schedule(key, after(50))  # e.g. paused and resumed: the deadline moved later
    assert index.pop_due(after(20)) == []
    assert index.instant_of(key) == after(50)
    index.schedule(key, after(5))  # moved earlier again
    assert index.pop_due(after(5)) == [key]
    assert index.pop_due(after(100)) == []
    assert len(index) == 0


def test_cancel_removes_a_key_and_reschedule_after_cancel_fires_once() -> None:
    index = DeadlineIndex()
    key = ("c-1", "first_response")
    index.schedule(key, after(10))
    assert index.cancel(key) is True
    assert index.cancel(key) is False
    assert key not in index
    assert index.next_instant() is None
    index.schedule(key, after(10))  # same instant as the cancelled entry
    assert index.pop_due(after(10)) == [key]
    assert index.pop_due(after(10)) == []


def test_pop_due_honours_a_limit() -> None:
    index = DeadlineIndex()
    for n in range(5):
        index.schedule((f"c-{n}", "resolution"), after(n))
    assert index.pop_due(after(10), limit=2) == [("c-0", "resolution"), ("c-1", "resolution")]
    assert len(index) == 3


def test_stale_entries_are_compacted_away() -> None:
    index = DeadlineIndex()
    key = ("c-1", "resolution")
    for n in range(10_000):
        index.schedule(key, after(n))
    assert len(index) == 1
    assert len(index._heap) <= 2048  # not 10,000 stale tuples
    assert index.pop_due(after(20_000)) == [key]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        DeadlineIndex().schedule(("c", "k"), datetime(2026, 1, 1))


def test_200k_entries_schedule_and_pop_in_order() -> None:
    rng = random.Random(7)
    index = DeadlineIndex()
    offsets = [rng.randrange(0, 30 * 86400 * 1_000_000) for _ in range(200_000)]
    for n, micros in enumerate(offsets):
        index.schedule((f"c-{n}", "resolution"), T0 + timedelta(microseconds=micros))
    keys = index.pop_due(T0 + timedelta(days=31))
    assert len(keys) == 200_000 and len(index) == 0
    instants = [offsets[int(key[0][2:])] for key in keys]
    assert instants == sorted(instants)  # the speed at scale is measured by bench/sla_breach
