"""Property tests: random single tampering is always caught and pinned to the right seq."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from closeloop_audit.domain.chain import ENTRY_FIELDS
from closeloop_audit.domain.synthetic import generate_log
from closeloop_audit.domain.verify import Problem, verify_entries

N = 30
LOG = list(generate_log(N))
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False),
    st.text(max_size=70),
    st.just("0" * 64),
    st.lists(st.integers(), max_size=2),
)
SEQS = st.integers(1, N)


def _copy() -> list[dict[str, Any]]:
    return [dict(entry) for entry in LOG]


@settings(max_examples=300, deadline=None)
@given(SEQS, st.sampled_from([*ENTRY_FIELDS, "entry_hash"]), ANY_VALUE)
def test_any_changed_field_is_caught(seq: int, field: str, value: Any) -> None:
    log = _copy()
    original = log[seq - 1][field]
    if value == original and type(value) is type(original):
        return
    log[seq - 1][field] = value
    report = verify_entries(log)
    assert not report.ok
    if field != "seq":
        assert (report.problem, report.first_bad) == (Problem.MODIFIED, seq), report


@settings(max_examples=100, deadline=None)
@given(SEQS, st.integers(1, 3))
def test_any_deletion_before_the_tail_is_missing_at_the_first_gone(seq: int, count: int) -> None:
    gone = set(range(seq, min(N - 1, seq + count - 1) + 1))
    if not gone:
        return
    report = verify_entries(e for e in _copy() if e["seq"] not in gone)
    assert (report.problem, report.first_bad) == (Problem.MISSING, seq), report


@settings(max_examples=100, deadline=None)
@given(SEQS, SEQS)
def test_any_swap_is_reordered_at_the_lower_seq(a: int, b: int) -> None:
    if a == b:
        return
    log = _copy()
    first, second = log[a - 1], log[b - 1]
    for key in first:
        if key != "seq":
            first[key], second[key] = second[key], first[key]
    report = verify_entries(log)
    assert (report.problem, report.first_bad) == (Problem.REORDERED, min(a, b)), report


@settings(max_examples=100, deadline=None)
@given(SEQS, SEQS)
def test_any_out_of_order_storage_is_reordered_at_the_lower_seq(a: int, b: int) -> None:
    if a == b:
        return
    log = _copy()
    log[a - 1], log[b - 1] = log[b - 1], log[a - 1]
    report = verify_entries(log)
    assert (report.problem, report.first_bad) == (Problem.REORDERED, min(a, b)), report
