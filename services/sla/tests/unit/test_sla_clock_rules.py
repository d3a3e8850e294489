"""A complaint's clock set driven by inputs: policy choice, the trigger table, extensions,
expiries and an explicit reapply of changed policies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from closeloop_shared.durations import parse_duration
from closeloop_sla.domain.calendar import ALWAYS_OPEN_NAME
from closeloop_sla.domain.clock import ClockPhase, ClockTransitionError, deadline_of
from closeloop_sla.domain.clock_effects import (
    ClockBreached,
    ClockCancelled,
    ClockMet,
    ClockPaused,
    ClockRetargeted,
    ClockStarted,
    ClockWarned,
)
from closeloop_sla.domain.clock_inputs import (
    AssignDepartment,
    Expire,
    Extend,
    Reapply,
    Receive,
    Trigger,
)
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.clock_rules import apply_input
from closeloop_sla.domain.complaint_clocks import (
    ComplaintClocks,
    display_state,
    next_due,
    open_states,
)
from closeloop_sla.domain.policy import ClockTarget, ComplaintAttributes, PolicyMatch, SlaPolicy
from closeloop_sla.domain.policy_library import PolicyLibrary

K = ClockKind
T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
URGENT = ComplaintAttributes(kind="complaint", severity="urgent", channel="web")
NORMAL = ComplaintAttributes(kind="complaint", severity="normal", channel="web")


def after(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def quick_policy(version: int = 1, first_response: str = "PT10S") -> SlaPolicy:
    return SlaPolicy(
        "quick",
        version,
        PolicyMatch(categories=frozenset({"quick"})),
        (
            ClockTarget(K.FIRST_RESPONSE, parse_duration(first_response), ALWAYS_OPEN_NAME, ()),
            ClockTarget(K.RESOLUTION, parse_duration("PT60S"), ALWAYS_OPEN_NAME, (0.5,)),
            ClockTarget(K.ARCHIVE, parse_duration("PT30S"), ALWAYS_OPEN_NAME, ()),
        ),
        priority=100,
    )


def library_with(*policies: SlaPolicy) -> PolicyLibrary:
    library = PolicyLibrary()
    library.install_policies((*library.current_policies, *policies), current=True)
    return library


QUICK = ComplaintAttributes(kind="complaint", severity="normal", category="quick")


def received(library: PolicyLibrary, attributes: ComplaintAttributes = QUICK) -> ComplaintClocks:
    state, _ = apply_input(None, "c-1", Receive(T0, attributes), library)
    assert state is not None
    return state


def test_receipt_selects_the_policy_and_starts_the_clocks_it_defines() -> None:
    library = PolicyLibrary()
    state, effects = apply_input(None, "c-1", Receive(T0, URGENT), library)
    assert state is not None
    assert (state.policy_id, state.policy_version) == ("urgent", 1)
    started = {e.kind for e in effects if isinstance(e, ClockStarted)}
    assert started == {K.REGISTRATION, K.FIRST_RESPONSE, K.INITIAL_SOLUTION}
    assert state.clock(K.RESOLUTION) is None  # urgent has no resolution clock


def test_an_agent_entered_complaint_is_registered_on_receipt() -> None:
    state, effects = apply_input(None, "c-1", Receive(T0, NORMAL, registered=True), PolicyLibrary())
    assert state is not None
    registration = state.clock(K.REGISTRATION)
    assert registration is not None and registration.phase is ClockPhase.STOPPED
    assert any(isinstance(e, ClockMet) and e.kind == K.REGISTRATION for e in effects)


def test_inputs_for_an_unknown_complaint_change_nothing() -> None:
    assert apply_input(None, "c-9", Trigger("acknowledged", T0), PolicyLibrary()) == (None, [])


def test_pause_and_resume_move_only_the_running_handling_clocks() -> None:
    library = library_with(quick_policy())
    state = received(library)
    paused, effects = apply_input(state, "c-1", Trigger("awaiting_customer", after(2)), library)
    assert paused is not None
    assert {e.kind for e in effects if isinstance(e, ClockPaused)} == {
        K.FIRST_RESPONSE,
        K.RESOLUTION,
    }
    resumed, _ = apply_input(paused, "c-1", Trigger("resumed", after(7)), library)
    assert resumed is not None
    clock = resumed.clock(K.FIRST_RESPONSE)
    assert clock is not None
    assert deadline_of(clock, library.calendar(clock.calendar)) == after(15)


def test_expiry_fires_the_breach_once_and_never_early() -> None:
    library = library_with(quick_policy())
    state = received(library)
    early, nothing = apply_input(state, "c-1", Expire(after(9.999)), library)
    assert nothing == [] and early == state
    fired, effects = apply_input(state, "c-1", Expire(after(10.2)), library)
    assert [type(e) for e in effects] == [ClockBreached]
    assert effects[0].at == after(10)
    again, more = apply_input(fired, "c-1", Expire(after(11)), library)
    assert more == [] and again == fired


def test_resolution_warning_fires_at_its_fraction() -> None:
    library = library_with(quick_policy())
    _, effects = apply_input(received(library), "c-1", Expire(after(31)), library)
    warned = [e for e in effects if isinstance(e, ClockWarned)]
    assert [(w.kind, w.threshold, w.at) for w in warned] == [(K.RESOLUTION, 0.5, after(30))]


def test_reopen_restarts_resolution_as_a_new_run_and_cancels_after_resolution_clocks() -> None:
    library = library_with(quick_policy())
    resolved, _ = apply_input(received(library), "c-1", Trigger("resolved", after(5)), library)
    assert resolved is not None
    archive = resolved.clock(K.ARCHIVE)
    assert archive is not None and archive.is_open
    reopened, effects = apply_input(resolved, "c-1", Trigger("reopened", after(8)), library)
    assert reopened is not None
    resolution = reopened.clock(K.RESOLUTION)
    assert resolution is not None and resolution.run == 2 and resolution.phase is ClockPhase.RUNNING
    assert any(isinstance(e, ClockCancelled) and e.kind == K.ARCHIVE for e in effects)


def test_extension_moves_the_deadline_and_an_invalid_one_is_refused() -> None:
    library = library_with(quick_policy())
    state = received(library)
    extend = Extend(K.RESOLUTION, after(1), "customer asked", True, by=parse_duration("PT30S"))
    extended, _ = apply_input(state, "c-1", extend, library)
    assert extended is not None
    clock = extended.clock(K.RESOLUTION)
    assert clock is not None
    assert deadline_of(clock, library.calendar(clock.calendar)) == after(90)
    stopped, _ = apply_input(extended, "c-1", Trigger("resolved", after(2)), library)
    with pytest.raises(ClockTransitionError):
        apply_input(stopped, "c-1", extend, library)


def test_department_is_recorded() -> None:
    library = PolicyLibrary()
    state, effects = apply_input(received(library), "c-1", AssignDepartment("billing"), library)
    assert state is not None and state.department == "billing" and effects == []


def test_a_policy_change_leaves_running_clocks_alone_until_reapplied() -> None:
    library = library_with(quick_policy())
    state = received(library)
    library.install_policies(
        (*library.current_policies[:-1], quick_policy(2, "PT20S")), current=True
    )
    _, effects = apply_input(state, "c-1", Expire(after(10)), library)
    assert [e.kind for e in effects] == [K.FIRST_RESPONSE]  # still the 10 s of version 1
    moved, changes = apply_input(state, "c-1", Reapply(after(4)), library)
    assert moved is not None and moved.policy_version == 2
    retargeted = [e for e in changes if isinstance(e, ClockRetargeted)]
    first = next(e for e in retargeted if e.kind == K.FIRST_RESPONSE)
    assert first.deadline == after(20)
    again, nothing = apply_input(moved, "c-1", Reapply(after(5)), library)
    assert nothing == [] and again == moved


def test_reapply_cancels_a_clock_the_new_policy_no_longer_runs() -> None:
    library = library_with(quick_policy())
    state = received(library)
    slim = replace(quick_policy(2), clocks=quick_policy().clocks[1:])
    library.install_policies((*library.current_policies[:-1], slim), current=True)
    moved, effects = apply_input(state, "c-1", Reapply(after(1)), library)
    assert moved is not None
    first = moved.clock(K.FIRST_RESPONSE)
    assert first is not None and first.phase is ClockPhase.CANCELLED
    assert any(isinstance(e, ClockCancelled) for e in effects)


def test_next_due_and_display_states_follow_the_clocks() -> None:
    library = library_with(quick_policy())
    state = received(library)
    assert [(c.kind, d.instant) for c, d in next_due(state, library.calendar)] == [
        (K.FIRST_RESPONSE, after(10)),
        (K.RESOLUTION, after(30)),
    ]
    warned, _ = apply_input(state, "c-1", Expire(after(31)), library)
    assert warned is not None
    assert sorted(open_states(warned)) == ["breached", "running"]
    clock = warned.clock(K.FIRST_RESPONSE)
    assert clock is not None and display_state(clock) == "breached"


def test_applied_event_ids_are_remembered_and_bounded() -> None:
    state = received(PolicyLibrary())
    for number in range(100):
        state = state.remember(f"e-{number}")
    assert state.has_applied("e-99") and not state.has_applied("e-0")
    assert len(state.applied) == 64
