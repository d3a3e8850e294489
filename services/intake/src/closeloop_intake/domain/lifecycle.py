"""The complaint lifecycle as a pure state machine (requirements R4, R5).

States::

    received → acknowledged → in_progress ⇄ awaiting_customer
                    │              │
                    └──── resolve ─┴→ resolved → close → closed → archive → archived
                                         ↑ reopen ←────────┘
                              (reopen: resolved|closed → in_progress)

``archived`` is the only terminal state; ``closed`` can still be reopened (R5 "if the
customer is not satisfied with the result, handle it again").

Actions (the ``{action}`` of ``POST /v1/complaints/{id}/{action}``, plus system actions):

=============== ============================================ ===================
action          from                                         to
=============== ============================================ ===================
acknowledge     received                                     acknowledged
start           acknowledged                                 in_progress
await-customer  acknowledged, in_progress                    awaiting_customer
resume          awaiting_customer                            in_progress
resolve         acknowledged, in_progress                    resolved
reopen          resolved, closed                             in_progress
close           resolved                                     closed
archive         closed                                       archived
notes, contact  every state but archived                     (unchanged)
extend          received, acknowledged, in_progress,         (unchanged)
                awaiting_customer
assign,         received, acknowledged, in_progress,         (unchanged)
transfer        awaiting_customer
=============== ============================================ ===================

Who may do what (``·`` = forbidden). The role check only looks at the role; whether a
``department`` user's scope covers the complaint's department is checked with
:func:`within_department_scope`, and first-contact ownership is recorded, not enforced.

============== ======= ===== ========== ========== ======= ===== ======
action         channel agent supervisor department auditor admin system
============== ======= ===== ========== ========== ======= ===== ======
acknowledge    ·       yes   yes        yes        ·       yes   ·
start          ·       yes   yes        yes        ·       yes   ·
notes          ·       yes   yes        yes        ·       yes   yes
contact        ·       yes   yes        yes        ·       yes   yes
await-customer ·       yes   yes        yes        ·       yes   ·
resume         ·       yes   yes        yes        ·       yes   ·
resolve        ·       yes   yes        yes        ·       yes   ·
extend         ·       yes   yes        yes        ·       yes   ·
reopen         ·       yes   yes        ·          ·       yes   yes
close          ·       yes   yes        ·          ·       yes   yes
transfer       ·       yes   yes        ·          ·       yes   yes
assign         ·       ·     yes        ·          ·       yes   yes
archive        ·       ·     yes        ·          ·       yes   yes
============== ======= ===== ========== ========== ======= ===== ======

Why: ``channel`` only creates and ``auditor`` only reads (architecture, Security). Closing
and reopening belong to the customer-facing side (the first-contact owner, R1 首问负责制),
not to the department that did the work, so ``department`` may resolve but not close.
``system`` acts on events: reopen on a dissatisfied survey, close on a satisfied one,
assignment/transfer from routing, archive when the archive clock says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class State(StrEnum):
    """Where a complaint is in its lifecycle."""

    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    AWAITING_CUSTOMER = "awaiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Action(StrEnum):
    """Something that can be done to an existing complaint."""

    ACKNOWLEDGE = "acknowledge"
    START = "start"
    NOTES = "notes"
    CONTACT = "contact"
    AWAIT_CUSTOMER = "await-customer"
    RESUME = "resume"
    RESOLVE = "resolve"
    EXTEND = "extend"
    REOPEN = "reopen"
    CLOSE = "close"
    TRANSFER = "transfer"
    ASSIGN = "assign"
    ARCHIVE = "archive"


class Role(StrEnum):
    """Who is acting; ``system`` is a service reacting to an event."""

    CHANNEL = "channel"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    DEPARTMENT = "department"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SYSTEM = "system"


_S = State  # short aliases keep the tables below readable
OPEN_STATES: frozenset[State] = frozenset(
    {_S.RECEIVED, _S.ACKNOWLEDGED, _S.IN_PROGRESS, _S.AWAITING_CUSTOMER}
)
TERMINAL_STATES: frozenset[State] = frozenset({_S.ARCHIVED})
_NOT_ARCHIVED = frozenset(State) - TERMINAL_STATES


def _stay(states: Iterable[State]) -> dict[State, State]:
    return {state: state for state in states}


# action → {from state: to state}; an action absent for a state is refused in that state.
TRANSITIONS: dict[Action, dict[State, State]] = {
    Action.ACKNOWLEDGE: {_S.RECEIVED: _S.ACKNOWLEDGED},
    Action.START: {_S.ACKNOWLEDGED: _S.IN_PROGRESS},
    Action.NOTES: _stay(_NOT_ARCHIVED),
    Action.CONTACT: _stay(_NOT_ARCHIVED),
    Action.AWAIT_CUSTOMER: {
        _S.ACKNOWLEDGED: _S.AWAITING_CUSTOMER,
        _S.IN_PROGRESS: _S.AWAITING_CUSTOMER,
    },
    Action.RESUME: {_S.AWAITING_CUSTOMER: _S.IN_PROGRESS},
    Action.RESOLVE: {_S.ACKNOWLEDGED: _S.RESOLVED, _S.IN_PROGRESS: _S.RESOLVED},
    Action.EXTEND: _stay(OPEN_STATES),
    Action.REOPEN: {_S.RESOLVED: _S.IN_PROGRESS, _S.CLOSED: _S.IN_PROGRESS},
    Action.CLOSE: {_S.RESOLVED: _S.CLOSED},
    Action.TRANSFER: _stay(OPEN_STATES),
    Action.ASSIGN: _stay(OPEN_STATES),
    Action.ARCHIVE: {_S.CLOSED: _S.ARCHIVED},
}

_A = Action
_HANDLING = frozenset(
    {
        _A.ACKNOWLEDGE,
        _A.START,
        _A.NOTES,
        _A.CONTACT,
        _A.AWAIT_CUSTOMER,
        _A.RESUME,
        _A.RESOLVE,
        _A.EXTEND,
    }
)
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CHANNEL: frozenset(),
    Role.AUDITOR: frozenset(),
    Role.DEPARTMENT: _HANDLING,
    Role.AGENT: _HANDLING | {_A.REOPEN, _A.CLOSE, _A.TRANSFER},
    Role.SUPERVISOR: frozenset(Action),
    Role.ADMIN: frozenset(Action),
    Role.SYSTEM: frozenset(
        {_A.NOTES, _A.CONTACT, _A.REOPEN, _A.CLOSE, _A.TRANSFER, _A.ASSIGN, _A.ARCHIVE}
    ),
}


class TransitionRefused(Exception):
    """The action is not legal in the complaint's current state (HTTP 409)."""

    def __init__(self, action: Action, state: State, allowed: list[str]) -> None:
        super().__init__(
            f"action '{action}' is not allowed in state '{state}'; allowed: {allowed or 'none'}"
        )
        self.action = action
        self.state = state
        self.allowed = allowed


class ActionForbidden(Exception):
    """The role may never perform the action (HTTP 403)."""

    def __init__(self, role: Role, action: Action) -> None:
        super().__init__(f"role '{role}' may not perform action '{action}'")
        self.role = role
        self.action = action


def allowed_actions(state: State | str, role: Role | str) -> list[str]:
    """Actions ``role`` may perform on a complaint in ``state``, in declaration order."""
    state, role = State(state), Role(role)
    permitted = PERMISSIONS[role]
    return [str(a) for a in Action if a in permitted and state in TRANSITIONS[a]]


def apply_action(state: State | str, action: Action | str, role: Role | str) -> State:
    """Return the state after ``role`` performs ``action`` on a complaint in ``state``.

    Raises :class:`ActionForbidden` if the role may never perform the action and
    :class:`TransitionRefused` (listing what *is* allowed) if the state does not permit it.
    Unknown state, action or role strings raise ``ValueError``.
    """
    state, action, role = State(state), Action(action), Role(role)
    if action not in PERMISSIONS[role]:
        raise ActionForbidden(role, action)
    target = TRANSITIONS[action].get(state)
    if target is None:
        raise TransitionRefused(action, state, allowed_actions(state, role))
    return target


def is_open(state: State | str) -> bool:
    """True while the complaint still needs handling (not resolved, closed or archived)."""
    return State(state) in OPEN_STATES


def within_department_scope(
    role: Role | str, user_departments: Iterable[str], complaint_department: str | None
) -> bool:
    """Whether the user's department scope covers the complaint.

    Only ``department`` users are scoped; they never see a complaint of another department,
    nor one that has not been routed yet.
    """
    if Role(role) is not Role.DEPARTMENT:
        return True
    return complaint_department is not None and complaint_department in set(user_departments)
