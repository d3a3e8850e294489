"""Routing rules: which department (queue, skill) handles a complaint (requirement R3).

A :class:`RuleSet` is versioned and ordered; the first rule whose every given criterion
matches decides, otherwise the set's default department takes the complaint, so no
complaint is ever left without an owner. Each decision records the rule and rule-set
version that produced it, so a routing can be explained after the rules changed.

Criteria of :class:`RuleMatch`, all optional, all required to hold when given:

- ``kinds``, ``categories``, ``severities``, ``channels``, ``tiers``, ``regions``,
  ``products``: the complaint's value is one of these (case-insensitive); empty = any.
- ``keywords_any``: one of these occurs in the complaint text (case-insensitive substring,
  so Chinese needs no segmentation).
- ``regex``: searched in the complaint text, case-insensitively.

Raw rule sets (as stored and sent over HTTP) are parsed by :func:`validate_rule_set`
in :mod:`closeloop_routing.domain.rule_parsing`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NO_RULE_MATCHED = "no rule matched"

# The attribute of ComplaintAttributes each set criterion compares against.
SET_CRITERIA: dict[str, str] = {
    "kinds": "kind",
    "categories": "category",
    "severities": "severity",
    "channels": "channel",
    "tiers": "tier",
    "regions": "region",
    "products": "product",
}


@dataclass(frozen=True)
class ComplaintAttributes:
    """What routing looks at; ``text`` is the description and demand together."""

    kind: str | None = None
    category: str | None = None
    severity: str | None = None
    channel: str | None = None
    tier: str | None = None
    region: str | None = None
    product: str | None = None
    text: str = ""


@dataclass(frozen=True)
class RuleMatch:
    """The criteria of one rule; values of the set criteria are stored case-folded."""

    kinds: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    severities: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    tiers: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    keywords_any: tuple[str, ...] = ()
    regex: re.Pattern[str] | None = None

    def explain(self, complaint: ComplaintAttributes) -> str | None:
        """Why this matches ``complaint`` (e.g. "category billing, keyword '扣费'"), or None."""
        reasons: list[str] = []
        for criterion, attribute in SET_CRITERIA.items():
            allowed: frozenset[str] = getattr(self, criterion)
            if not allowed:
                continue
            value: str | None = getattr(complaint, attribute)
            if value is None or value.casefold() not in allowed:
                return None
            reasons.append(f"{attribute} {value.casefold()}")
        if self.keywords_any:
            text = complaint.text.casefold()
            keyword = next((k for k in self.keywords_any if k.casefold() in text), None)
            if keyword is None:
                return None
            reasons.append(f"keyword '{keyword}'")
        if self.regex is not None:
            found = self.regex.search(complaint.text)
            if found is None:
                return None
            reasons.append(f"regex /{self.regex.pattern}/ matched '{found.group(0)}'")
        return ", ".join(reasons) or "matches every complaint"


@dataclass(frozen=True)
class RoutingRule:
    """Send complaints matching ``match`` to ``department`` (optionally a queue / skill)."""

    id: str
    order: int
    department: str
    match: RuleMatch = RuleMatch()
    queue: str | None = None
    skill: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class RuleSet:
    """A versioned set of rules, kept sorted by ``order`` (ties keep their listed order)."""

    version: int
    rules: tuple[RoutingRule, ...]
    default_department: str

    def __post_init__(self) -> None:
        # sorted() is stable, so rules with equal order keep the order they were listed in.
        object.__setattr__(self, "rules", tuple(sorted(self.rules, key=lambda r: r.order)))


@dataclass(frozen=True)
class RoutingDecision:
    """Where a complaint goes and why; ``rule_id`` is None when the default applied."""

    department: str
    queue: str | None
    skill: str | None
    rule_id: str | None
    rule_set_version: int
    reason: str


def route_complaint(rule_set: RuleSet, complaint: ComplaintAttributes) -> RoutingDecision:
    """Route ``complaint``: the first matching rule by order wins, else the default."""
    for rule in rule_set.rules:
        why = rule.match.explain(complaint)
        if why is not None:
            return RoutingDecision(
                department=rule.department,
                queue=rule.queue,
                skill=rule.skill,
                rule_id=rule.id,
                rule_set_version=rule_set.version,
                reason=f"rule '{rule.id}' matched: {why}",
            )
    return RoutingDecision(
        department=rule_set.default_department,
        queue=None,
        skill=None,
        rule_id=None,
        rule_set_version=rule_set.version,
        reason=NO_RULE_MATCHED,
    )
