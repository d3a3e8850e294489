"""The seeded configuration is valid and routes Chinese and English complaints sensibly."""

from __future__ import annotations

import pytest

from closeloop_routing.domain.defaults import DEFAULT_DEPARTMENTS, DEFAULT_RULE_SET
from closeloop_routing.domain.departments import department_to_raw, validate_departments
from closeloop_routing.domain.rule_parsing import validate_rule_set
from closeloop_routing.domain.rules import ComplaintAttributes, RuleSet, route_complaint


def _rules() -> RuleSet:
    departments, errors = validate_departments(DEFAULT_DEPARTMENTS)
    assert departments is not None, errors
    rule_set, errors = validate_rule_set(DEFAULT_RULE_SET, [d.id for d in departments])
    assert rule_set is not None, errors
    return rule_set


def test_every_default_department_has_a_supervisor_leader_and_agents() -> None:
    departments, _ = validate_departments(DEFAULT_DEPARTMENTS)
    assert departments is not None
    assert {d.id for d in departments} == {
        "customer_service",
        "billing",
        "logistics",
        "product_quality",
    }
    assert all(d.supervisor and d.leader and 2 <= len(d.members) <= 3 for d in departments)


def test_departments_round_trip_through_their_raw_form() -> None:
    departments, _ = validate_departments(DEFAULT_DEPARTMENTS)
    assert departments is not None
    again, errors = validate_departments([department_to_raw(d) for d in departments])
    assert (again, errors) == (departments, [])


@pytest.mark.parametrize(
    ("category", "text", "department"),
    [
        ("other", "上个月账单重复扣费", "billing"),
        ("service_attitude", "I was charged twice for one order", "billing"),
        ("billing", "服务态度差", "billing"),
        ("other", "快递一周了还没收到", "logistics"),
        ("delivery", "送货员态度差", "logistics"),
        ("product_quality", "外观有划痕", "product_quality"),
        ("other", "the kettle is broken", "product_quality"),
        ("service_attitude", "客服态度很差", "customer_service"),
        ("other", "", "customer_service"),
    ],
)
def test_the_default_rules_route_by_category_and_keywords(
    category: str, text: str, department: str
) -> None:
    decision = route_complaint(_rules(), ComplaintAttributes(category=category, text=text))
    assert decision.department == department
    assert decision.rule_set_version == 1
