"""SLA policies: selection, validation, R4 defaults, and the lifecycle trigger table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from closeloop_shared.durations import parse_duration
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.clock_triggers import CLOCK_TRIGGERS, ClockAction, clock_actions
from closeloop_sla.domain.policy import (
    FALLBACK_POLICY,
    ClockTarget,
    ComplaintAttributes,
    PolicyMatch,
    SlaPolicy,
    select_policy,
    target,
    validate_policies,
)
from closeloop_sla.domain.policy_defaults import DEFAULT_POLICIES

K = ClockKind


def complaint(**attributes: str) -> ComplaintAttributes:
    return ComplaintAttributes(**{"kind": "complaint", **attributes})


@pytest.mark.parametrize(
    ("attributes", "policy_id"),
    [
        (complaint(severity="urgent"), "urgent"),
        (complaint(severity="major"), "major"),
        (complaint(severity="complex"), "complex"),
        (complaint(severity="normal"), "default"),
        (complaint(severity="low", channel="web"), "default"),
        (complaint(kind="praise", severity="urgent"), "feedback"),
        (ComplaintAttributes(), "default"),
    ],
)
def test_default_policies_pick_the_r4_policy_for_each_grade(
    attributes: ComplaintAttributes, policy_id: str
) -> None:
    assert select_policy(DEFAULT_POLICIES, attributes).id == policy_id


@pytest.mark.parametrize(
    ("policy_id", "kind", "duration", "calendar"),
    [
        ("default", K.REGISTRATION, "PT24H", "24x7"),
        ("urgent", K.FIRST_RESPONSE, "PT15M", "24x7"),
        ("default", K.FIRST_RESPONSE, "PT1H", "business"),
        ("default", K.INITIAL_SOLUTION, "P3D", "business"),
        ("complex", K.RESOLUTION, "P5D", "business"),
        ("major", K.RESOLUTION, "P5D", "business"),
        ("default", K.RESULT_FEEDBACK, "PT24H", "24x7"),
        ("default", K.SATISFACTION_CALLBACK, "P3D", "business"),
        ("default", K.ARCHIVE, "P7D", "business"),
        ("feedback", K.ARCHIVE, "P7D", "business"),
    ],
)
def test_default_targets_follow_requirements_r4(
    policy_id: str, kind: ClockKind, duration: str, calendar: str
) -> None:
    policy = next(p for p in DEFAULT_POLICIES if p.id == policy_id)
    clock = policy.clock(kind)
    assert clock is not None
    assert (clock.target, clock.calendar, clock.warn_at) == (
        parse_duration(duration),
        calendar,
        (0.75, 0.9),
    )


def test_default_policies_are_valid() -> None:
    assert validate_policies(DEFAULT_POLICIES) == []


def test_priority_wins_then_specificity_then_id() -> None:
    broad_high = SlaPolicy("b", 1, PolicyMatch(kinds=frozenset({"complaint"})), _clocks(), 10)
    narrow_low = SlaPolicy(
        "a", 1, PolicyMatch(kinds=frozenset({"complaint"}), tiers=frozenset({"gold"})), _clocks()
    )
    narrow_same = replace(narrow_low, id="c", priority=10, match=replace(narrow_low.match))
    gold = complaint(tier="gold")
    assert select_policy([narrow_low, broad_high], gold).id == "b"
    assert select_policy([broad_high, narrow_same], gold).id == "c"
    assert select_policy([replace(narrow_same, id="d"), narrow_same], gold).id == "c"


def test_a_constrained_attribute_the_complaint_lacks_does_not_match() -> None:
    gold_only = SlaPolicy("gold", 1, PolicyMatch(tiers=frozenset({"gold"})), _clocks(), 5)
    assert select_policy([gold_only], complaint()).id == FALLBACK_POLICY.id


def test_without_any_match_the_fallback_policy_applies() -> None:
    assert select_policy([], complaint(severity="urgent")) is FALLBACK_POLICY


def test_validate_policies_names_every_problem() -> None:
    bad = SlaPolicy(
        "x",
        0,
        PolicyMatch(channels=frozenset()),
        (
            ClockTarget(K.FIRST_RESPONSE, parse_duration("PT0S")),
            ClockTarget(K.FIRST_RESPONSE, parse_duration("PT1H"), "moon", (0.9, 0.75)),
            ClockTarget(K.ARCHIVE, parse_duration("P7D"), warn_at=(0.5, 1.5)),
        ),
    )
    errors = validate_policies([bad, replace(bad, clocks=())])
    joined = "\n".join(errors)
    for fragment in [
        "used more than once",
        "version must be 1 or more",
        "never matches",
        "clock first_response is defined more than once",
        "time limit must be positive",
        "unknown calendar 'moon'",
        "strictly ascending",
        "between 0 and 1",
        "defines no clocks",
        "no catch-all policy",
    ]:
        assert fragment in joined, fragment


def test_validate_policies_accepts_named_calendars_it_is_told_about() -> None:
    policy = SlaPolicy("x", 1, PolicyMatch(), (target(K.RESOLUTION, "P5D", "cn-2026"),))
    assert validate_policies([policy]) == [
        "policy 'x', clock resolution: unknown calendar 'cn-2026'"
    ]
    assert validate_policies([policy], known_calendars={"cn-2026"}) == []


def test_every_clock_kind_has_a_start_and_an_end_in_the_trigger_table() -> None:
    starts = {
        k
        for t in CLOCK_TRIGGERS
        if t.action in {ClockAction.START, ClockAction.RESTART}
        for k in t.kinds
    }
    ends = {k for t in CLOCK_TRIGGERS if t.action is ClockAction.STOP for k in t.kinds}
    assert starts == ends == set(ClockKind)


def test_trigger_table_pauses_all_but_registration_and_reopen_restarts_resolution() -> None:
    paused = {kind for action, kind in clock_actions("awaiting_customer")}
    assert paused == set(ClockKind) - {K.REGISTRATION}
    assert {kind for _, kind in clock_actions("resumed")} == paused
    assert (ClockAction.RESTART, K.RESOLUTION) in clock_actions("reopened")
    assert (ClockAction.CANCEL, K.ARCHIVE) in clock_actions("reopened")
    assert clock_actions("received") == [
        (ClockAction.START, K.REGISTRATION),
        (ClockAction.START, K.FIRST_RESPONSE),
        (ClockAction.START, K.INITIAL_SOLUTION),
        (ClockAction.START, K.RESOLUTION),
    ]
    assert clock_actions("note_added") == []


def _clocks() -> tuple[ClockTarget, ...]:
    return (target(K.FIRST_RESPONSE, "PT1H"),)
