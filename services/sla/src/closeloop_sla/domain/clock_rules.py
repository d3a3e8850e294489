"""Applying one input to a complaint's clock set (pure): ``(state, input) → (state, effects)``.

Lifecycle steps go through the trigger table (:mod:`closeloop_sla.domain.clock_triggers`)
and only touch the clocks the complaint's policy version defines. A ``restart`` of a clock
that is still open first cancels the open run, so nothing due in it is silently dropped.
Inputs for a complaint the engine has never seen received change nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from closeloop_sla.domain.clock import (
    Clock,
    cancel_clock,
    extend_clock,
    fire_due,
    pause_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from closeloop_sla.domain.clock_effects import ClockEffect
from closeloop_sla.domain.clock_inputs import (
    AssignDepartment,
    AssignOwner,
    ClockInput,
    Expire,
    Extend,
    Reapply,
    Receive,
    Trigger,
)
from closeloop_sla.domain.clock_retarget import retarget_clock
from closeloop_sla.domain.clock_triggers import ClockAction, clock_actions
from closeloop_sla.domain.complaint_clocks import ComplaintClocks
from closeloop_sla.domain.policy import ClockTarget, SlaPolicy
from closeloop_sla.domain.policy_library import PolicyLibrary

Outcome = tuple[ComplaintClocks | None, list[ClockEffect]]


def apply_input(
    state: ComplaintClocks | None, complaint_id: str, given: ClockInput, library: PolicyLibrary
) -> Outcome:
    """The clock set after ``given``, and what happened (effects to publish)."""
    if isinstance(given, Receive):
        return _receive(state, complaint_id, given, library)
    if state is None:
        return None, []
    if isinstance(given, Trigger):
        return _trigger(state, given.event, given.at, library)
    if isinstance(given, Extend):
        return _extend(state, given, library)
    if isinstance(given, AssignDepartment):
        return replace(state, department=given.department), []
    if isinstance(given, AssignOwner):
        return replace(state, department=given.department, owner=given.owner), []
    if isinstance(given, Expire):
        return _expire(state, given.now, library)
    return _reapply(state, given, library)


def _receive(
    state: ComplaintClocks | None, complaint_id: str, given: Receive, library: PolicyLibrary
) -> Outcome:
    if state is None:
        policy = library.select(given.attributes)
        state = ComplaintClocks(
            complaint_id=complaint_id,
            attributes=given.attributes,
            policy_id=policy.id,
            policy_version=policy.version,
        )
    state, effects = _trigger(state, "received", given.at, library)
    if given.registered:
        state, more = _trigger(state, "registered", given.at, library)
        effects += more
    return state, effects


def _policy_of(state: ComplaintClocks, library: PolicyLibrary) -> SlaPolicy:
    """The policy version the complaint runs under (the current match if it was lost)."""
    policy = library.policy(state.policy_id, state.policy_version)
    return policy if policy is not None else library.select(state.attributes)


def _trigger(
    state: ComplaintClocks, event: str, at: datetime, library: PolicyLibrary
) -> tuple[ComplaintClocks, list[ClockEffect]]:
    policy = _policy_of(state, library)
    effects: list[ClockEffect] = []
    for action, kind in clock_actions(event):
        existing = state.clock(kind)
        target = policy.clock(kind)
        changed: Clock | None = None
        produced: list[ClockEffect] = []
        if action is ClockAction.START and existing is None and target is not None:
            changed, produced = _start(state, policy, target, at, library, run=1)
        elif action is ClockAction.RESTART and target is not None:
            changed, produced = _restart(state, policy, target, existing, at, library, event)
        elif existing is not None and action is not ClockAction.START:
            calendar = library.calendar(existing.calendar)
            if action is ClockAction.STOP:
                changed, produced = stop_clock(existing, calendar, at)
            elif action is ClockAction.PAUSE:
                changed, produced = pause_clock(existing, calendar, at)
            elif action is ClockAction.RESUME:
                changed, produced = resume_clock(existing, calendar, at)
            elif action is ClockAction.CANCEL:
                changed, produced = cancel_clock(existing, calendar, at, reason=event)
        if changed is not None and changed is not existing:
            state = state.with_clock(changed)
        effects += produced
    return state, effects


def _start(
    state: ComplaintClocks,
    policy: SlaPolicy,
    target: ClockTarget,
    at: datetime,
    library: PolicyLibrary,
    *,
    run: int,
) -> tuple[Clock, list[ClockEffect]]:
    clock, effects = start_clock(
        complaint_id=state.complaint_id,
        kind=target.kind,
        target=target.target,
        calendar=library.current_calendar(target.calendar),
        at=at,
        policy_id=policy.id,
        policy_version=policy.version,
        warn_at=target.warn_at,
        run=run,
    )
    return clock, list(effects)


def _restart(
    state: ComplaintClocks,
    policy: SlaPolicy,
    target: ClockTarget,
    existing: Clock | None,
    at: datetime,
    library: PolicyLibrary,
    event: str,
) -> tuple[Clock, list[ClockEffect]]:
    if existing is None:
        return _start(state, policy, target, at, library, run=1)
    effects: list[ClockEffect] = []
    if existing.is_open:  # close the open run first: its due alerts are reported, not lost
        existing, effects = cancel_clock(
            existing, library.calendar(existing.calendar), at, reason=f"restarted by {event}"
        )
    clock, started = _start(
        state, policy, target, max(at, existing.updated_at), library, run=existing.run + 1
    )
    return clock, effects + started


def _extend(state: ComplaintClocks, given: Extend, library: PolicyLibrary) -> Outcome:
    existing = state.clock(given.kind)
    if existing is None:
        return state, []
    clock, effects = extend_clock(
        existing,
        library.calendar(existing.calendar),
        at=given.at,
        reason=given.reason,
        consented=given.consented,
        by=given.by,
        new_deadline=given.new_deadline,
    )
    return state.with_clock(clock), effects


def _expire(state: ComplaintClocks, now: datetime, library: PolicyLibrary) -> Outcome:
    effects: list[ClockEffect] = []
    for clock in state.open_clocks:
        fired, produced = fire_due(clock, library.calendar(clock.calendar), now)
        if produced:
            state = state.with_clock(fired)
            effects += produced
    return state, effects


def _reapply(state: ComplaintClocks, given: Reapply, library: PolicyLibrary) -> Outcome:
    policy = library.select(state.attributes)
    effects: list[ClockEffect] = []
    for clock in state.open_clocks:
        old_calendar = library.calendar(clock.calendar)
        target = policy.clock(clock.kind)
        if target is None:
            reason = f"policy {policy.id} v{policy.version} has no {clock.kind} clock"
            changed, produced = cancel_clock(clock, old_calendar, given.at, reason=reason)
        else:
            changed, produced = retarget_clock(
                clock,
                old_calendar,
                library.current_calendar(target.calendar),
                at=given.at,
                target=target.target,
                warn_at=target.warn_at,
                policy_id=policy.id,
                policy_version=policy.version,
            )
        state = state.with_clock(changed)
        effects += produced
    return replace(state, policy_id=policy.id, policy_version=policy.version), effects
