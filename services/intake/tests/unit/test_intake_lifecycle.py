"""The full state × action and role × action tables of the complaint lifecycle.

The expected tables are written out here independently of the module's own tables, so a
change to the state machine has to be made twice, on purpose.
"""

from __future__ import annotations

import pytest

from closeloop_intake.domain.lifecycle import (
    Action,
    ActionForbidden,
    Role,
    State,
    TransitionRefused,
    allowed_actions,
    apply_action,
    is_open,
    within_department_scope,
)

ALL_BUT_ARCHIVED = (
    "received",
    "acknowledged",
    "in_progress",
    "awaiting_customer",
    "resolved",
    "closed",
)
OPEN = ("received", "acknowledged", "in_progress", "awaiting_customer")

# action → {from: to}
EXPECTED_TRANSITIONS: dict[str, dict[str, str]] = {
    "acknowledge": {"received": "acknowledged"},
    "start": {"acknowledged": "in_progress"},
    "notes": {s: s for s in ALL_BUT_ARCHIVED},
    "contact": {s: s for s in ALL_BUT_ARCHIVED},
    "await-customer": {"acknowledged": "awaiting_customer", "in_progress": "awaiting_customer"},
    "resume": {"awaiting_customer": "in_progress"},
    "resolve": {"acknowledged": "resolved", "in_progress": "resolved"},
    "extend": {s: s for s in OPEN},
    "reopen": {"resolved": "in_progress", "closed": "in_progress"},
    "close": {"resolved": "closed"},
    "transfer": {s: s for s in OPEN},
    "assign": {s: s for s in OPEN},
    "archive": {"closed": "archived"},
}

# Columns: channel agent supervisor department auditor admin system
ROLE_COLUMNS = ("channel", "agent", "supervisor", "department", "auditor", "admin", "system")
PERMISSION_GRID = """
acknowledge     .  x  x  x  .  x  .
start           .  x  x  x  .  x  .
notes           .  x  x  x  .  x  x
contact         .  x  x  x  .  x  x
await-customer  .  x  x  x  .  x  .
resume          .  x  x  x  .  x  .
resolve         .  x  x  x  .  x  .
extend          .  x  x  x  .  x  .
reopen          .  x  x  .  .  x  x
close           .  x  x  .  .  x  x
transfer        .  x  x  .  .  x  x
assign          .  .  x  .  .  x  x
archive         .  .  x  .  .  x  x
"""


def _permitted() -> dict[tuple[str, str], bool]:
    table: dict[tuple[str, str], bool] = {}
    for line in PERMISSION_GRID.strip().splitlines():
        action, *marks = line.split()
        for role, mark in zip(ROLE_COLUMNS, marks, strict=True):
            table[(role, action)] = mark == "x"
    return table


PERMITTED = _permitted()
STATE_ACTION_PAIRS = [(s.value, a.value) for s in State for a in Action]
ROLE_ACTION_PAIRS = [(r.value, a.value) for r in Role for a in Action]


def test_expected_tables_cover_every_action_and_role() -> None:
    assert set(EXPECTED_TRANSITIONS) == {a.value for a in Action}
    assert set(PERMITTED) == {(r.value, a.value) for r in Role for a in Action}


@pytest.mark.parametrize(("state", "action"), STATE_ACTION_PAIRS)
def test_every_state_action_pair_is_accepted_or_refused_as_tabled(state: str, action: str) -> None:
    expected = EXPECTED_TRANSITIONS[action].get(state)
    if expected is not None:
        assert apply_action(state, action, "admin") == State(expected)
        return
    with pytest.raises(TransitionRefused) as refused:
        apply_action(state, action, "admin")
    legal_here = [a for a, table in EXPECTED_TRANSITIONS.items() if state in table]
    assert refused.value.allowed == legal_here
    assert refused.value.state == State(state)
    assert refused.value.action == Action(action)
    assert action in str(refused.value) and state in str(refused.value)


@pytest.mark.parametrize(("role", "action"), ROLE_ACTION_PAIRS)
def test_every_role_action_pair_is_permitted_or_forbidden_as_tabled(role: str, action: str) -> None:
    state = next(iter(EXPECTED_TRANSITIONS[action]))  # a state where the action is legal
    if PERMITTED[(role, action)]:
        assert apply_action(state, action, role) == State(EXPECTED_TRANSITIONS[action][state])
        return
    with pytest.raises(ActionForbidden) as forbidden:
        apply_action(state, action, role)
    assert (forbidden.value.role, forbidden.value.action) == (Role(role), Action(action))


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("state", [s.value for s in State])
def test_allowed_actions_are_those_legal_in_the_state_and_permitted_for_the_role(
    state: str, role: str
) -> None:
    expected = [
        action
        for action, table in EXPECTED_TRANSITIONS.items()
        if state in table and PERMITTED[(role, action)]
    ]
    assert allowed_actions(state, role) == expected


def test_refusal_lists_only_what_the_role_itself_may_do() -> None:
    with pytest.raises(TransitionRefused) as refused:
        apply_action("resolved", "resolve", "department")
    assert refused.value.allowed == ["notes", "contact"]


def test_forbidden_role_is_reported_before_an_illegal_state() -> None:
    with pytest.raises(ActionForbidden):
        apply_action("archived", "close", "auditor")


def test_channel_and_auditor_can_do_nothing_in_any_state() -> None:
    for state in State:
        assert allowed_actions(state, Role.CHANNEL) == []
        assert allowed_actions(state, Role.AUDITOR) == []


def test_archived_is_terminal_for_everyone() -> None:
    for role in Role:
        assert allowed_actions(State.ARCHIVED, role) == []


def test_a_dissatisfied_customer_reopens_a_closed_complaint_through_the_system() -> None:
    assert apply_action("closed", "reopen", "system") is State.IN_PROGRESS


def test_unknown_action_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="escalate"):
        apply_action("received", "escalate", "admin")


@pytest.mark.parametrize(
    ("state", "open_"),
    [
        ("received", True),
        ("acknowledged", True),
        ("in_progress", True),
        ("awaiting_customer", True),
        ("resolved", False),
        ("closed", False),
        ("archived", False),
    ],
)
def test_is_open(state: str, open_: bool) -> None:
    assert is_open(state) is open_


@pytest.mark.parametrize(
    ("role", "scope", "department", "within"),
    [
        ("department", ["billing"], "billing", True),
        ("department", ["billing", "logistics"], "logistics", True),
        ("department", ["billing"], "logistics", False),
        ("department", ["billing"], None, False),
        ("department", [], "billing", False),
        ("agent", [], "logistics", True),
        ("supervisor", ["billing"], "logistics", True),
    ],
)
def test_department_users_only_reach_their_own_departments(
    role: str, scope: list[str], department: str | None, within: bool
) -> None:
    assert within_department_scope(role, scope, department) is within
