"""Invalid rule sets are refused with every error naming where it is and which field."""

from __future__ import annotations

from typing import Any

import pytest

from closeloop_routing.domain.rule_parsing import MAX_REGEX_LENGTH, validate_rule_set

DEPARTMENTS = {"cs", "billing", "quality"}


def _with_rule(rule: dict[str, Any], **top: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {"version": 1, "default_department": "cs", "rules": [rule]}
    raw.update(top)
    return raw


@pytest.mark.parametrize(
    ("raw", "expected_prefix", "message_part"),
    [
        (_with_rule({"id": "r1", "department": "billing", "match": {"regex": "(扣费"}}),
         "rules[0] (id 'r1').match.regex", "invalid regular expression"),
        (_with_rule({"id": "r1", "department": "billing",
                     "match": {"regex": "a" * (MAX_REGEX_LENGTH + 1)}}),
         "rules[0] (id 'r1').match.regex", "longer than"),
        (_with_rule({"id": "r1", "department": "billing", "match": {"categorys": ["billing"]}}),
         "rules[0] (id 'r1').match.categorys", "unknown field"),
        (_with_rule({"id": "r1", "department": "billing", "priority": 3}),
         "rules[0] (id 'r1').priority", "unknown field"),
        (_with_rule({"id": "r1", "department": ""}), "rules[0] (id 'r1').department",
         "non-empty"),
        (_with_rule({"id": "r1"}), "rules[0] (id 'r1').department", "is required"),
        (_with_rule({"id": "r1", "department": "marketing"}), "rules[0] (id 'r1').department",
         "unknown department 'marketing'"),
        (_with_rule({"department": "billing"}), "rules[0].id", "is required"),
        (_with_rule({"id": "r1", "department": "billing", "order": "first"}),
         "rules[0] (id 'r1').order", "integer"),
        (_with_rule({"id": "r1", "department": "billing", "queue": ""}),
         "rules[0] (id 'r1').queue", "non-empty"),
        (_with_rule({"id": "r1", "department": "billing", "match": {"severities": ["critical"]}}),
         "rules[0] (id 'r1').match.severities", "unknown values ['critical']"),
        (_with_rule({"id": "r1", "department": "billing", "match": {"channels": ["fax"]}}),
         "rules[0] (id 'r1').match.channels", "unknown values ['fax']"),
        (_with_rule({"id": "r1", "department": "billing", "match": {"keywords_any": "扣费"}}),
         "rules[0] (id 'r1').match.keywords_any", "list of non-empty strings"),
        (_with_rule({"id": "r1", "department": "billing", "match": {"tiers": ["gold", ""]}}),
         "rules[0] (id 'r1').match.tiers", "list of non-empty strings"),
        (_with_rule({"id": "r1", "department": "billing", "match": ["billing"]}),
         "rules[0] (id 'r1').match", "must be an object"),
        (_with_rule("not a rule"), "rules[0]", "must be an object"),  # type: ignore[arg-type]
        (_with_rule({"id": "r1", "department": "billing"}, default_department=None),
         "default_department", "is required"),
        (_with_rule({"id": "r1", "department": "billing"}, default_department="nowhere"),
         "default_department", "unknown department 'nowhere'"),
        (_with_rule({"id": "r1", "department": "billing"}, version=0), "version", "≥ 1"),
        (_with_rule({"id": "r1", "department": "billing"}, version=True), "version", "integer"),
        (_with_rule({"id": "r1", "department": "billing"}, rules="r1"), "rules", "must be a list"),
        (_with_rule({"id": "r1", "department": "billing"}, owner="me"), "owner", "unknown field"),
    ],
)  # fmt: skip
def test_each_error_names_the_rule_and_the_field(
    raw: dict[str, Any], expected_prefix: str, message_part: str
) -> None:
    rule_set, errors = validate_rule_set(raw, DEPARTMENTS)
    assert rule_set is None
    assert any(e.startswith(f"{expected_prefix}: ") and message_part in e for e in errors), errors


def test_duplicate_rule_ids_are_refused() -> None:
    raw = {"version": 2, "default_department": "cs", "rules": [
        {"id": "same", "department": "billing"},
        {"id": "same", "department": "quality"},
    ]}  # fmt: skip
    rule_set, errors = validate_rule_set(raw, DEPARTMENTS)
    assert rule_set is None
    assert errors == ["rules[1] (id 'same').id: duplicate rule id"]


def test_all_errors_are_reported_at_once() -> None:
    raw = {"version": "two", "rules": [
        {"id": "a", "department": "billing", "match": {"regex": "["}},
        {"id": "b", "department": "ghost"},
    ]}  # fmt: skip
    _, errors = validate_rule_set(raw, DEPARTMENTS)
    fields = sorted(e.split(":")[0] for e in errors)
    assert fields == [
        "default_department",
        "rules[0] (id 'a').match.regex",
        "rules[1] (id 'b').department",
        "version",
    ]


def test_departments_are_not_checked_when_none_are_known() -> None:
    rule_set, errors = validate_rule_set(_with_rule({"id": "r1", "department": "anything"}))
    assert errors == []
    assert rule_set is not None and rule_set.rules[0].department == "anything"


@pytest.mark.parametrize("raw", [None, [], "rules", 3])
def test_a_rule_set_must_be_an_object(raw: object) -> None:
    rule_set, errors = validate_rule_set(raw)
    assert rule_set is None
    assert errors and errors[0].startswith("rule set: ")
