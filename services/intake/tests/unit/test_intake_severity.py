"""Automatic severity grading, in Chinese and English, with the reason for each grade."""

from __future__ import annotations

import pytest

from closeloop_intake.domain.errors import FieldError
from closeloop_intake.domain.severity import (
    GIVEN_BY_CALLER,
    NO_RULE_MATCHED,
    Severity,
    SeverityRule,
    find_keyword,
    grade_severity,
)


@pytest.mark.parametrize(
    ("text", "kind", "severity", "keyword"),
    [
        ("我家孩子被产品划伤，受伤流血了", "complaint", "urgent", "受伤"),
        ("充电器起火了，差点烧了房子", "complaint", "urgent", "起火"),
        ("燃气灶有安全隐患，请紧急处理", "complaint", "urgent", "紧急"),
        ("你们再不处理我就报警", "complaint", "urgent", "报警"),
        ("The charger caught fire last night", "complaint", "urgent", "fire"),
        ("My son was INJURED by the blender", "complaint", "urgent", "injured"),
        ("再不解决我就投诉到媒体曝光你们", "complaint", "major", "投诉到媒体"),
        ("我已经请了律师，准备起诉", "grievance", "major", "律师"),
        ("I will talk to my lawyer about this", "complaint", "major", "lawyer"),
        ("Expect a lawsuit.", "complaint", "major", "lawsuit"),
        ("我的个人信息被泄露了", "complaint", "major", "泄露"),
        ("账单重复扣费两次", "complaint", "major", "重复扣费"),
        ("这个月话费多扣了50元", "complaint", "major", "多扣"),
        ("I was charged twice for one order", "complaint", "major", "charged twice"),
    ],
)
def test_keywords_grade_severity_and_the_reason_names_the_keyword(
    text: str, kind: str, severity: str, keyword: str
) -> None:
    graded, reason = grade_severity(text, category=None, kind=kind)
    assert graded is Severity(severity)
    assert f"keyword '{keyword}'" in reason


@pytest.mark.parametrize(
    "text",
    [
        "快递晚到了两天",
        "客服态度不好",
        "Please update the firewall settings page",  # "fire" is not a whole word here
        "The delivery was late and the box was dented",
    ],
)
def test_ordinary_complaints_are_normal_with_a_default_reason(text: str) -> None:
    assert grade_severity(text, "delivery", "complaint") == (Severity.NORMAL, NO_RULE_MATCHED)


@pytest.mark.parametrize("kind", ["praise", "suggestion"])
def test_praise_and_suggestions_are_low_even_when_they_mention_safety(kind: str) -> None:
    severity, reason = grade_severity("你们的产品很安全，感谢", "other", kind)
    assert severity is Severity.LOW
    assert f"kind '{kind}'" in reason


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("退款的事情涉及多个部门，大家互相推诿", "多个部门"),
        ("物流和账务跨部门的问题，至今没人管", "跨部门"),
        ("I was passed around between several departments", "several departments"),
        ("The refund is still not resolved after a month", "still not resolved"),
    ],
)
def test_cases_involving_several_departments_are_complex_with_the_reason(
    text: str, keyword: str
) -> None:
    """R2 grades complex cases apart (R4 gives them 5 working days)."""
    severity, reason = grade_severity(text, "other", "complaint")
    assert severity is Severity.COMPLEX
    assert reason.startswith("complex case: several departments involved")
    assert f"keyword '{keyword}'" in reason


def test_major_outranks_complex_and_complex_may_be_given() -> None:
    severity, _ = grade_severity("多个部门推诿，我已经请了律师", "other", "complaint")
    assert severity is Severity.MAJOR
    assert grade_severity("x", given="complex") == (Severity.COMPLEX, GIVEN_BY_CALLER)


def test_urgent_outranks_major_when_both_appear() -> None:
    severity, _ = grade_severity("受伤了，我要找媒体曝光", "product_quality", "complaint")
    assert severity is Severity.URGENT


@pytest.mark.parametrize("given", ["urgent", "LOW", " major "])
def test_a_severity_given_by_the_caller_wins(given: str) -> None:
    severity, reason = grade_severity("受伤了", "other", "complaint", given=given)
    assert severity is Severity(given.strip().lower())
    assert reason == GIVEN_BY_CALLER


def test_an_invalid_given_severity_names_the_field() -> None:
    with pytest.raises(FieldError) as error:
        grade_severity("text", given="critical")
    assert error.value.field == "severity"
    assert "critical" in error.value.reason


def test_configured_rules_can_require_a_category_and_keyword_together() -> None:
    rules = (
        SeverityRule(
            Severity.MAJOR, keywords=("延误",), categories=("delivery",), reason="delivery delay"
        ),
    )
    assert grade_severity("航班延误", "delivery", "complaint", rules)[0] is Severity.MAJOR
    assert grade_severity("航班延误", "billing", "complaint", rules)[0] is Severity.NORMAL
    assert grade_severity("送错了", "delivery", "complaint", rules)[0] is Severity.NORMAL


def test_category_only_rule_names_the_category() -> None:
    rules = (SeverityRule(Severity.MAJOR, categories=("billing",), reason="money"),)
    assert grade_severity("任何内容", "billing", "complaint", rules) == (
        Severity.MAJOR,
        "money (category 'billing')",
    )


def test_first_matching_rule_wins() -> None:
    rules = (
        SeverityRule(Severity.LOW, keywords=("退款",), reason="first"),
        SeverityRule(Severity.URGENT, keywords=("退款",), reason="second"),
    )
    assert grade_severity("要求退款", rules=rules) == (Severity.LOW, "first (keyword '退款')")


@pytest.mark.parametrize(
    ("text", "keywords", "found"),
    [
        ("the house is on FIRE", ("fire",), "fire"),
        ("firewall broken", ("fire",), None),
        ("I want to sue", ("sue",), "sue"),
        ("there is an issue", ("sue",), None),
        ("拨打12315投诉", ("12315",), "12315"),
        ("燃气泄漏", ("漏电", "燃气泄漏"), "燃气泄漏"),
        ("nothing here", (), None),
    ],
)
def test_find_keyword_matches_ascii_words_whole_and_chinese_as_substrings(
    text: str, keywords: tuple[str, ...], found: str | None
) -> None:
    assert find_keyword(text, keywords) == found
