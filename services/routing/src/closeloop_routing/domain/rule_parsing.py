"""Turning raw rule-set data (JSON from ``PUT /v1/routing/rules``) into a :class:`RuleSet`.

Everything wrong is reported at once, each error prefixed by where it is, e.g.
``rules[2] (id 'dup-charge').match.regex: invalid regular expression: ...``. Unknown
fields are errors too: a misspelt criterion ("categorys") would otherwise be ignored and
the rule would silently match every complaint.

Raw form::

    {"version": 3, "default_department": "customer_service",
     "rules": [{"id": "dup-charge", "order": 10, "department": "billing",
                "queue": "refunds", "skill": "billing", "description": "...",
                "match": {"categories": ["billing"], "keywords_any": ["重复扣费"],
                          "regex": "扣(了)?(两|2)次"}}]}
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any, TypeGuard

from closeloop_routing.domain.rules import SET_CRITERIA, RoutingRule, RuleMatch, RuleSet

MAX_REGEX_LENGTH = 500  # Python's re has no timeout; long patterns invite catastrophic backtracking

KNOWN_VALUES: dict[str, frozenset[str]] = {
    "kinds": frozenset({"complaint", "grievance", "suggestion", "praise"}),
    "severities": frozenset({"urgent", "major", "complex", "normal", "low"}),
    "channels": frozenset(
        {"phone", "web", "email", "walk_in", "social", "wechat", "third_party", "other"}
    ),
}
_TOP_FIELDS = frozenset({"version", "default_department", "rules"})
_RULE_FIELDS = frozenset({"id", "order", "department", "queue", "skill", "description", "match"})
_MATCH_FIELDS = frozenset({*SET_CRITERIA, "keywords_any", "regex"})


class _Errors(list[str]):
    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}")

    def unknown_fields(self, where: str, data: Mapping[str, Any], known: frozenset[str]) -> None:
        for key in sorted(set(data) - known, key=str):
            self.add(
                f"{where}.{key}" if where else str(key), f"unknown field; known: {sorted(known)}"
            )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(errors: _Errors, where: str, value: object, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        errors.add(where, "is required" if value is None else "must be a non-empty string")
        return None
    return value.strip()


def _strings(errors: _Errors, where: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.add(where, "must be a list of non-empty strings")
        return []
    return [v.strip() for v in value]


def _parse_match(errors: _Errors, where: str, raw: object) -> RuleMatch:
    if raw is None:
        return RuleMatch()
    if not isinstance(raw, Mapping):
        errors.add(where, "must be an object")
        return RuleMatch()
    errors.unknown_fields(where, raw, _MATCH_FIELDS)
    sets: dict[str, frozenset[str]] = {}
    for criterion in SET_CRITERIA:
        if criterion not in raw:
            continue
        values = frozenset(
            v.casefold() for v in _strings(errors, f"{where}.{criterion}", raw[criterion])
        )
        unknown = values - KNOWN_VALUES.get(criterion, values)
        if unknown:
            known = sorted(KNOWN_VALUES[criterion])
            errors.add(f"{where}.{criterion}", f"unknown values {sorted(unknown)}; known: {known}")
        sets[criterion] = values
    keywords = tuple(_strings(errors, f"{where}.keywords_any", raw.get("keywords_any", [])))
    regex = None
    if raw.get("regex") is not None:
        pattern = _text(errors, f"{where}.regex", raw["regex"], required=True)
        if pattern is not None and len(pattern) > MAX_REGEX_LENGTH:
            errors.add(f"{where}.regex", f"longer than {MAX_REGEX_LENGTH} characters")
        elif pattern is not None:
            try:
                regex = re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                errors.add(f"{where}.regex", f"invalid regular expression: {exc}")
    return RuleMatch(**sets, keywords_any=keywords, regex=regex)


def _parse_rule(
    errors: _Errors,
    index: int,
    raw: object,
    seen_ids: set[str],
    departments: Collection[str] | None,
) -> RoutingRule | None:
    where = f"rules[{index}]"
    if not isinstance(raw, Mapping):
        errors.add(where, "must be an object")
        return None
    if isinstance(raw.get("id"), str) and raw["id"].strip():
        where = f"{where} (id '{raw['id'].strip()}')"
    errors.unknown_fields(where, raw, _RULE_FIELDS)
    rule_id = _text(errors, f"{where}.id", raw.get("id"), required=True)
    if rule_id is not None:
        if rule_id in seen_ids:
            errors.add(f"{where}.id", "duplicate rule id")
        seen_ids.add(rule_id)
    order = raw.get("order", index)
    if not _is_int(order):
        errors.add(f"{where}.order", "must be an integer")
    department = _text(errors, f"{where}.department", raw.get("department"), required=True)
    if department is not None and departments is not None and department not in departments:
        errors.add(f"{where}.department", f"unknown department '{department}'")
    queue = _text(errors, f"{where}.queue", raw.get("queue"), required=False)
    skill = _text(errors, f"{where}.skill", raw.get("skill"), required=False)
    description = _text(errors, f"{where}.description", raw.get("description"), required=False)
    match = _parse_match(errors, f"{where}.match", raw.get("match"))
    if rule_id is None or department is None or not _is_int(order):
        return None
    return RoutingRule(rule_id, order, department, match, queue, skill, description)


def validate_rule_set(
    raw: object, known_departments: Collection[str] | None = None
) -> tuple[RuleSet | None, list[str]]:
    """Parse and check a raw rule set; return ``(rule_set, [])`` or ``(None, errors)``.

    With ``known_departments``, every department named must be one of them.
    """
    errors = _Errors()
    if not isinstance(raw, Mapping):
        return None, ["rule set: must be an object with version, default_department and rules"]
    errors.unknown_fields("", raw, _TOP_FIELDS)
    version = raw.get("version")
    if not _is_int(version) or version < 1:
        errors.add("version", "must be an integer ≥ 1")
        version = None
    default = _text(errors, "default_department", raw.get("default_department"), required=True)
    if default is not None and known_departments is not None and default not in known_departments:
        errors.add("default_department", f"unknown department '{default}'")
    raw_rules = raw.get("rules", [])
    if not isinstance(raw_rules, list):
        errors.add("rules", "must be a list")
        raw_rules = []
    seen: set[str] = set()
    rules = [_parse_rule(errors, i, r, seen, known_departments) for i, r in enumerate(raw_rules)]
    if errors or default is None or version is None:
        return None, list(errors)
    return RuleSet(version, tuple(r for r in rules if r is not None), default), []


def rule_set_to_raw(rule_set: RuleSet) -> dict[str, Any]:
    """The raw form of ``rule_set``; ``validate_rule_set`` of it gives the same rule set."""
    rules: list[dict[str, Any]] = []
    for rule in rule_set.rules:
        match: dict[str, Any] = {
            criterion: sorted(getattr(rule.match, criterion))
            for criterion in SET_CRITERIA
            if getattr(rule.match, criterion)
        }
        if rule.match.keywords_any:
            match["keywords_any"] = list(rule.match.keywords_any)
        if rule.match.regex is not None:
            match["regex"] = rule.match.regex.pattern
        raw_rule: dict[str, Any] = {
            "id": rule.id,
            "order": rule.order,
            "department": rule.department,
        }
        for optional in ("queue", "skill", "description"):
            if getattr(rule, optional) is not None:
                raw_rule[optional] = getattr(rule, optional)
        raw_rule["match"] = match
        rules.append(raw_rule)
    return {
        "version": rule_set.version,
        "default_department": rule_set.default_department,
        "rules": rules,
    }
