"""Worklist figures (next deadline, worst clock state) and the seek of a sorted page."""

from datetime import UTC, datetime, timedelta

from closeloop_intake.adapters.complaint_queries import (
    SORTS,
    decode_cursor,
    encode_cursor,
    seek_branches,
)
from closeloop_intake.domain.worklist import NO_DEADLINE, severity_rank, worklist_figures

T = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_the_next_deadline_is_the_nearest_of_the_counting_clocks() -> None:
    clocks = {
        "first_response": {"state": "met", "deadline": T - timedelta(hours=5)},
        "initial_solution": {"state": "running", "deadline": T + timedelta(hours=3)},
        "resolution": {"state": "warning", "deadline": T + timedelta(hours=1)},
        "archive": {"state": "cancelled", "deadline": T - timedelta(hours=9)},
    }
    figures = worklist_figures(clocks)
    assert figures.next_deadline == T + timedelta(hours=1)
    assert figures.clock_state == "warning"
    assert figures.due_at == figures.next_deadline


def test_a_breached_clock_is_the_worst_state_and_its_past_deadline_sorts_first() -> None:
    clocks = {
        "a": {"state": "running", "deadline": T + timedelta(hours=1)},
        "b": {"state": "breached", "deadline": T - timedelta(minutes=5)},
    }
    figures = worklist_figures(clocks)
    assert (figures.clock_state, figures.due_at) == ("breached", T - timedelta(minutes=5))


def test_naive_deadlines_count_as_utc() -> None:
    clocks = {
        "a": {"state": "running", "deadline": datetime(2026, 12, 4, 10, 0)},
        "b": {"state": "running", "deadline": T + timedelta(hours=2)},
    }
    assert worklist_figures(clocks).next_deadline == T + timedelta(hours=1)


def test_no_counting_clock_sorts_last_and_paused_is_shown() -> None:
    assert worklist_figures({}).as_fields() == {
        "next_deadline": None,
        "clock_state": None,
        "due_at": NO_DEADLINE,
    }
    paused = worklist_figures({"a": {"state": "paused", "deadline": None}})
    assert (paused.clock_state, paused.due_at) == ("paused", NO_DEADLINE)


def test_severity_ranks_most_severe_first_and_unknown_last() -> None:
    ranks = [severity_rank(s) for s in ("urgent", "major", "complex", "normal", "low", "odd")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 6


def test_seek_branches_follows_each_keys_direction() -> None:
    keys = SORTS["severity"]
    assert seek_branches(keys, [1, T, "c1"]) == [
        {"severity_rank": 1, "due_at": T, "_id": {"$gt": "c1"}},
        {"severity_rank": 1, "due_at": {"$gt": T}},
        {"severity_rank": {"$gt": 1}},
    ]
    newest = seek_branches(SORTS["-received_at"], [T, "c1"])
    assert newest[-1] == {"received_at": {"$lt": T}}


def test_a_cursor_round_trips_and_refuses_another_order() -> None:
    doc = {"_id": "c1", "due_at": T, "severity_rank": 0, "received_at": T}
    cursor = encode_cursor(doc, "deadline")
    assert decode_cursor(cursor, "deadline") == [T, "c1"]
    try:
        decode_cursor(cursor, "severity")
    except ValueError as exc:  # FieldError naming the cursor
        assert "cursor" in str(exc) or getattr(exc, "field", "") == "cursor"
    else:
        raise AssertionError("a deadline cursor was accepted for sort=severity")
