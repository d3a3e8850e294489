"""The rule engine: first match by order, the default, keywords in Chinese and English,
regex, and the rule-set version recorded in every decision."""

from __future__ import annotations

from typing import Any

import pytest

from closeloop_routing.domain.rule_parsing import rule_set_to_raw, validate_rule_set
from closeloop_routing.domain.rules import (
    NO_RULE_MATCHED,
    ComplaintAttributes,
    RuleSet,
    route_complaint,
)

RAW_RULES: dict[str, Any] = {
    "version": 7,
    "default_department": "customer_service",
    "rules": [
        {"id": "vip-urgent", "order": 5, "department": "vip_care", "queue": "vip",
         "match": {"tiers": ["gold", "platinum"], "severities": ["urgent"]}},
        {"id": "safety", "order": 1, "department": "quality", "skill": "safety",
         "match": {"keywords_any": ["起火", "冒烟", "Fire", "smoke"]}},
        {"id": "dup-charge", "order": 10, "department": "billing", "queue": "refunds",
         "skill": "billing", "match": {"categories": ["billing"],
                                       "regex": r"(扣|charged)\s*(了)?\s*(两|2|twice)"}},
        {"id": "billing", "order": 20, "department": "billing",
         "match": {"categories": ["billing"]}},
        {"id": "east-delivery", "order": 30, "department": "logistics_east",
         "match": {"categories": ["delivery"], "regions": ["shanghai", "jiangsu"],
                   "channels": ["wechat", "web"]}},
        {"id": "product-x", "order": 40, "department": "quality",
         "match": {"products": ["X-100"], "kinds": ["complaint", "grievance"]}},
    ],
}  # fmt: skip


def _rule_set() -> RuleSet:
    rule_set, errors = validate_rule_set(
        RAW_RULES,
        {"customer_service", "vip_care", "quality", "billing", "logistics_east"},
    )
    assert errors == []
    assert rule_set is not None
    return rule_set


@pytest.mark.parametrize(
    ("attrs", "department", "rule_id", "reason_part"),
    [
        (ComplaintAttributes(category="billing", text="账单重复扣了两次"),
         "billing", "dup-charge", "regex"),
        (ComplaintAttributes(category="billing", text="I was charged twice"),
         "billing", "dup-charge", "matched 'charged twice'"),
        (ComplaintAttributes(category="billing", text="发票抬头开错了"),
         "billing", "billing", "category billing"),
        (ComplaintAttributes(category="billing", text="充电器起火，还多扣了两次费"),
         "quality", "safety", "keyword '起火'"),
        (ComplaintAttributes(category="other", text="There was SMOKE from the unit"),
         "quality", "safety", "keyword 'smoke'"),
        (ComplaintAttributes(category="other", text="the FIRE alarm"),
         "quality", "safety", "keyword 'Fire'"),
        (ComplaintAttributes(category="billing", severity="urgent", tier="Gold", text="x"),
         "vip_care", "vip-urgent", "tier gold"),
        (ComplaintAttributes(category="delivery", region="Shanghai", channel="wechat", text="x"),
         "logistics_east", "east-delivery", "region shanghai"),
        (ComplaintAttributes(product="x-100", kind="grievance", text="x"),
         "quality", "product-x", "product x-100"),
    ],
)  # fmt: skip
def test_first_matching_rule_by_order_decides(
    attrs: ComplaintAttributes, department: str, rule_id: str, reason_part: str
) -> None:
    decision = route_complaint(_rule_set(), attrs)
    assert (decision.department, decision.rule_id) == (department, rule_id)
    assert decision.rule_set_version == 7
    assert decision.reason.startswith(f"rule '{rule_id}' matched")
    assert reason_part in decision.reason


@pytest.mark.parametrize(
    "attrs",
    [
        ComplaintAttributes(),
        ComplaintAttributes(category="delivery", region="beijing", channel="wechat"),
        ComplaintAttributes(category="delivery", region="shanghai", channel="phone"),
        ComplaintAttributes(tier="gold", severity="major"),
        ComplaintAttributes(product="X-100", kind="praise"),
        ComplaintAttributes(product=None, kind="complaint"),
    ],
)
def test_complaints_no_rule_matches_go_to_the_default_department(
    attrs: ComplaintAttributes,
) -> None:
    decision = route_complaint(_rule_set(), attrs)
    assert decision.department == "customer_service"
    assert (decision.rule_id, decision.queue, decision.skill) == (None, None, None)
    assert decision.reason == NO_RULE_MATCHED
    assert decision.rule_set_version == 7


def test_decision_carries_queue_and_skill_of_the_rule() -> None:
    decision = route_complaint(_rule_set(), ComplaintAttributes(category="billing", text="扣了2次"))
    assert (decision.queue, decision.skill) == ("refunds", "billing")


def test_rules_with_equal_order_keep_their_listed_order() -> None:
    raw = {
        "version": 1,
        "default_department": "cs",
        "rules": [
            {"id": "b", "order": 1, "department": "second", "match": {"keywords_any": ["退款"]}},
            {"id": "a", "order": 1, "department": "third", "match": {"keywords_any": ["退款"]}},
        ],
    }
    rule_set, _ = validate_rule_set(raw)
    assert rule_set is not None
    assert route_complaint(rule_set, ComplaintAttributes(text="要求退款")).rule_id == "b"


def test_a_rule_without_criteria_catches_everything() -> None:
    raw = {"version": 1, "default_department": "cs",
           "rules": [{"id": "all", "department": "triage"}]}  # fmt: skip
    rule_set, _ = validate_rule_set(raw)
    assert rule_set is not None
    decision = route_complaint(rule_set, ComplaintAttributes(text="anything"))
    assert decision.department == "triage"
    assert "matches every complaint" in decision.reason


def test_the_raw_form_round_trips() -> None:
    rule_set = _rule_set()
    again, errors = validate_rule_set(rule_set_to_raw(rule_set))
    assert errors == []
    assert again is not None
    assert rule_set_to_raw(again) == rule_set_to_raw(rule_set)
    assert [r.id for r in again.rules] == [r.id for r in rule_set.rules]
    assert [r.id for r in rule_set.rules][:3] == ["safety", "vip-urgent", "dup-charge"]
