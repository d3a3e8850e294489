"""SLA policies: which clocks a complaint runs, with which targets, in which calendar (R4).

A policy matches complaints on kind, severity, category, channel and customer tier (``None``
= any value). :func:`select_policy` picks the matching policy with the highest
``priority``, then the most specific match, then the smallest id, so the choice is
deterministic; when nothing matches it falls back to :data:`FALLBACK_POLICY`. The defaults
(:data:`DEFAULT_POLICIES`, in :mod:`closeloop_sla.domain.policy_defaults`) encode R4's
table; every enterprise replaces them with its own.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, fields
from itertools import pairwise

from closeloop_shared.durations import Duration, parse_duration
from closeloop_sla.domain.calendar import ALWAYS_OPEN_NAME, BUSINESS
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.clock_model import DEFAULT_WARN_AT

Values = frozenset[str] | None


@dataclass(frozen=True, slots=True)
class ComplaintAttributes:
    """What a policy can match on; ``None`` when the complaint does not say."""

    kind: str | None = None
    severity: str | None = None
    category: str | None = None
    channel: str | None = None
    tier: str | None = None


@dataclass(frozen=True, slots=True)
class PolicyMatch:
    """Allowed values per attribute; ``None`` accepts anything (even a missing value)."""

    kinds: Values = None
    severities: Values = None
    categories: Values = None
    channels: Values = None
    tiers: Values = None

    def _pairs(self, attributes: ComplaintAttributes) -> list[tuple[Values, str | None]]:
        return [
            (self.kinds, attributes.kind),
            (self.severities, attributes.severity),
            (self.categories, attributes.category),
            (self.channels, attributes.channel),
            (self.tiers, attributes.tier),
        ]

    def matches(self, attributes: ComplaintAttributes) -> bool:
        """True when every constrained attribute has an allowed value."""
        return all(
            allowed is None or value in allowed for allowed, value in self._pairs(attributes)
        )

    @property
    def specificity(self) -> int:
        """How many attributes the match constrains (0 = catch-all)."""
        return sum(getattr(self, f.name) is not None for f in fields(self))


@dataclass(frozen=True, slots=True)
class ClockTarget:
    """One clock of a policy: its time limit, its calendar name and its warning fractions."""

    kind: ClockKind
    target: Duration
    calendar: str = BUSINESS
    warn_at: tuple[float, ...] = DEFAULT_WARN_AT


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """A versioned set of clock targets for the complaints it matches."""

    id: str
    version: int
    match: PolicyMatch
    clocks: tuple[ClockTarget, ...]
    priority: int = 0
    description: str = ""

    def clock(self, kind: ClockKind) -> ClockTarget | None:
        """The target for ``kind``, or ``None`` when this policy does not run that clock."""
        return next((c for c in self.clocks if c.kind == kind), None)


def target(kind: ClockKind, duration: str, calendar: str = BUSINESS) -> ClockTarget:
    """Shorthand for policy tables: ``target(ClockKind.FIRST_RESPONSE, "PT1H")``."""
    return ClockTarget(kind, parse_duration(duration), calendar)


def select_policy(policies: Iterable[SlaPolicy], attributes: ComplaintAttributes) -> SlaPolicy:
    """The policy for a complaint: highest priority, then most specific, then smallest id."""
    candidates = [p for p in policies if p.match.matches(attributes)]
    if not candidates:
        return FALLBACK_POLICY
    return min(candidates, key=lambda p: (-p.priority, -p.match.specificity, p.id))


def validate_policies(
    policies: Sequence[SlaPolicy], known_calendars: Collection[str] | None = None
) -> list[str]:
    """Every problem with a policy set, as sentences; empty when the set is usable."""
    errors: list[str] = []
    seen: set[str] = set()
    for policy in policies:
        if policy.id in seen:
            errors.append(f"policy id {policy.id!r} is used more than once")
        seen.add(policy.id)
        errors.extend(_policy_errors(policy, known_calendars))
    if not any(p.match.specificity == 0 for p in policies):
        errors.append("no catch-all policy (one with no match criteria) covers every complaint")
    return errors


def _policy_errors(policy: SlaPolicy, known_calendars: Collection[str] | None) -> list[str]:
    where = f"policy {policy.id!r}"
    errors: list[str] = []
    if not policy.id.strip():
        errors.append("a policy has an empty id")
    if policy.version < 1:
        errors.append(f"{where}: version must be 1 or more, not {policy.version}")
    if not policy.clocks:
        errors.append(f"{where}: defines no clocks")
    for f in fields(policy.match):
        if getattr(policy.match, f.name) == frozenset():
            errors.append(f"{where}: match on {f.name} allows no value, so it never matches")
    kinds = [c.kind for c in policy.clocks]
    for kind in sorted(set(kinds)):
        if kinds.count(kind) > 1:
            errors.append(f"{where}: clock {kind} is defined more than once")
    calendars = {BUSINESS, ALWAYS_OPEN_NAME, *(known_calendars or ())}
    for clock in policy.clocks:
        errors.extend(_clock_errors(f"{where}, clock {clock.kind}", clock, calendars))
    return errors


def _clock_errors(where: str, clock: ClockTarget, calendars: set[str]) -> list[str]:
    errors: list[str] = []
    if clock.target.is_zero:
        errors.append(f"{where}: the time limit must be positive")
    if clock.calendar not in calendars:
        errors.append(f"{where}: unknown calendar {clock.calendar!r}")
    if any(not 0 < fraction < 1 for fraction in clock.warn_at):
        errors.append(f"{where}: warning fractions must lie between 0 and 1: {clock.warn_at}")
    if any(a >= b for a, b in pairwise(clock.warn_at)):
        errors.append(f"{where}: warning fractions must be strictly ascending: {clock.warn_at}")
    return errors


_K = ClockKind
AFTER_RESOLUTION_CLOCKS = (
    target(_K.RESULT_FEEDBACK, "PT24H", ALWAYS_OPEN_NAME),
    target(_K.SATISFACTION_CALLBACK, "P3D"),
    target(_K.ARCHIVE, "P7D"),
)
"""Result feedback, satisfaction callback and archive: the same for every complaint policy."""

FALLBACK_POLICY = SlaPolicy(
    id="default",
    version=1,
    match=PolicyMatch(),
    clocks=(
        target(_K.REGISTRATION, "PT24H", ALWAYS_OPEN_NAME),
        target(_K.FIRST_RESPONSE, "PT1H"),
        target(_K.INITIAL_SOLUTION, "P3D"),
        *AFTER_RESOLUTION_CLOCKS,
    ),
    description="normal and low complaints: R4 defaults (001 篇1 §三, 000 §三(二))",
)
"""The catch-all policy; :func:`select_policy` uses it when nothing else matches."""
