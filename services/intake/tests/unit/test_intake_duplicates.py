"""Possible-duplicate detection: same customer, recent, similar text (Chinese included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from closeloop_intake.domain.duplicates import (
    ComplaintSnapshot,
    DuplicateMatch,
    find_possible_duplicates,
    text_similarity,
)

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _stored(
    id_: str, text: str, *, customer: str = "cust-1", days_ago: float = 1
) -> ComplaintSnapshot:
    return ComplaintSnapshot(customer, text, NOW - timedelta(days=days_ago), id=id_)


def _new(text: str) -> ComplaintSnapshot:
    return ComplaintSnapshot("cust-1", text, NOW)


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("账单重复扣费两次，请退还", "账单重复扣费两次，请退还！", 1.0, 1.0),
        ("我的账单被重复扣费了两次", "账单重复扣费两次", 0.5, 0.6),
        ("快递员态度很差，还骂人", "快递员态度差，骂人", 0.6, 0.7),
        ("快递三天还没送到", "账单重复扣费两次", 0.0, 0.0),
        ("Charged TWICE on my bill", "charged twice on my bill!", 1.0, 1.0),
        ("", "账单", 0.0, 0.0),
    ],
)
def test_text_similarity_works_on_chinese_without_segmentation(
    a: str, b: str, low: float, high: float
) -> None:
    assert low <= text_similarity(a, b) <= high
    assert text_similarity(a, b) == text_similarity(b, a)


def test_a_restated_complaint_of_the_same_customer_is_a_possible_duplicate() -> None:
    candidates = [
        _stored("C-1", "账单重复扣费两次"),
        _stored("C-2", "快递三天还没送到"),
        _stored("C-3", "我的账单被重复扣费了两次，要求退款"),
    ]
    matches = find_possible_duplicates(_new("我的账单被重复扣费了两次"), candidates)
    assert [m.id for m in matches] == ["C-3", "C-1"]
    assert matches[0].score > matches[1].score >= 0.5


def test_other_customers_and_old_complaints_are_not_duplicates() -> None:
    text = "账单重复扣费两次"
    candidates = [
        _stored("other", text, customer="cust-2"),
        _stored("old", text, days_ago=8),
        _stored("recent", text, days_ago=6.9),
    ]
    assert find_possible_duplicates(_new(text), candidates) == [DuplicateMatch("recent", 1.0)]


def test_window_and_threshold_are_configurable() -> None:
    candidates = [_stored("C-1", "快递员态度很差，还骂人", days_ago=20)]
    new = _new("快递员态度差，骂人")
    assert find_possible_duplicates(new, candidates) == []
    assert [m.id for m in find_possible_duplicates(new, candidates, window=timedelta(days=30))] == [
        "C-1"
    ]
    assert find_possible_duplicates(new, candidates, timedelta(days=30), threshold=0.9) == []


def test_a_complaint_is_not_its_own_duplicate() -> None:
    me = ComplaintSnapshot("cust-1", "账单重复扣费两次", NOW, id="C-9")
    assert find_possible_duplicates(me, [me]) == []


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.5])
def test_threshold_outside_the_unit_interval_is_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        find_possible_duplicates(_new("x"), [], threshold=threshold)
