"""Admission control decides on the last backlog reading alone (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from aiokafka import TopicPartition

from closeloop_intake.service.admission import Admission, Overloaded
from closeloop_shared.kafka.backlog import records_behind


@dataclass
class Reading:
    behind: int | None


def test_admits_at_the_bound_and_refuses_one_past_it_with_its_retry_after() -> None:
    Admission(Reading(100), max_behind=100, retry_after_s=2).check()
    with pytest.raises(Overloaded) as refused:
        Admission(Reading(101), max_behind=100, retry_after_s=7).check()
    assert (refused.value.behind, refused.value.bound, refused.value.retry_after_s) == (101, 100, 7)


def test_an_unknown_backlog_admits_rather_than_guessing() -> None:
    Admission(Reading(None), max_behind=0, retry_after_s=1).check()


def test_records_behind_sums_partitions_and_ignores_ones_never_committed() -> None:
    a, b, c = (TopicPartition("t", p) for p in range(3))
    ends = {a: 10, b: 5, c: 1_000}
    assert records_behind(ends, {a: 4, b: 5}) == 6  # c never committed: not counted
    assert records_behind(ends, {a: 12, b: 0, c: 1_000}) == 5  # a past the end counts as 0


def test_complaints_waiting_in_the_outbox_past_their_bound_refuse_too() -> None:
    idle = Reading(0)
    Admission(idle, 100, 2, unpublished=Reading(50), max_unpublished=50).check()
    with pytest.raises(Overloaded) as refused:
        Admission(idle, 100, 4, unpublished=Reading(51), max_unpublished=50).check()
    assert (refused.value.behind, refused.value.bound, refused.value.retry_after_s) == (51, 50, 4)
    Admission(idle, 100, 2, unpublished=Reading(None), max_unpublished=0).check()  # unknown
