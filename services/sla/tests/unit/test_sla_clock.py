"""One SLA clock as a pure state machine: start, warn, breach, pause, extend, stop."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from closeloop_shared.durations import parse_duration
from closeloop_sla.domain.calendar import ALWAYS_OPEN, DEFAULT_CALENDAR, BusinessCalendar
from closeloop_sla.domain.clock import (
    Clock,
    ClockPhase,
    ClockState,
    ClockTransitionError,
    cancel_clock,
    deadline_of,
    due_instants,
    extend_clock,
    fire_due,
    pause_clock,
    remaining_working_time,
    restart_clock,
    resume_clock,
    start_clock,
    stop_clock,
)
from closeloop_sla.domain.clock_effects import (
    ClockBreached,
    ClockCancelled,
    ClockExtended,
    ClockMet,
    ClockPaused,
    ClockResumed,
    ClockStarted,
    ClockWarned,
)
from closeloop_sla.domain.clock_kind import ClockKind

CAL = DEFAULT_CALENDAR  # Asia/Shanghai, Mon-Fri 09:00-12:00, 13:00-18:00
ZONE = CAL.zone


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def started(
    target: str = "PT1H", when: str = "2026-11-23 10:00", calendar: BusinessCalendar = CAL
) -> Clock:
    clock, _ = start_clock(
        complaint_id="c-1",
        kind=ClockKind.FIRST_RESPONSE,
        target=parse_duration(target),
        calendar=calendar,
        at=at(when),
        policy_id="default",
        policy_version=1,
    )
    return clock


def test_start_clock_reports_the_deadline_of_the_target() -> None:
    clock, effects = start_clock(
        complaint_id="c-1",
        kind=ClockKind.RESOLUTION,
        target=parse_duration("P3D"),
        calendar=CAL,
        at=at("2026-11-23 10:00"),
        policy_id="major",
        policy_version=2,
    )
    assert effects == [
        ClockStarted(
            complaint_id="c-1",
            kind=ClockKind.RESOLUTION,
            run=1,
            at=at("2026-11-23 10:00"),
            target=parse_duration("P3D"),
            deadline=at("2026-11-26 10:00"),
        )
    ]
    assert clock.state is ClockState.RUNNING
    assert clock.budget == timedelta(hours=24)
    assert deadline_of(clock, CAL) == at("2026-11-26 10:00")
    assert (clock.policy_id, clock.policy_version, clock.calendar) == ("major", 2, "business")


def test_warnings_and_breach_fire_at_their_instants_and_not_before() -> None:
    clock = started()
    clock, effects = fire_due(clock, CAL, at("2026-11-23 10:44:59.999999"))
    assert effects == []
    clock, effects = fire_due(clock, CAL, at("2026-11-23 10:45"))
    assert [(type(e), e.at) for e in effects] == [(ClockWarned, at("2026-11-23 10:45"))]
    clock, effects = fire_due(clock, CAL, at("2026-11-23 10:54"))
    assert [e.threshold for e in effects if isinstance(e, ClockWarned)] == [0.9]
    clock, effects = fire_due(clock, CAL, at("2026-11-23 10:59:59.999999"))
    assert effects == []
    clock, effects = fire_due(clock, CAL, at("2026-11-23 11:00:00.4"))
    assert effects == [
        ClockBreached(
            complaint_id="c-1",
            kind=ClockKind.FIRST_RESPONSE,
            run=1,
            at=at("2026-11-23 11:00"),
            detected_at=at("2026-11-23 11:00:00.4"),
        )
    ]
    assert clock.state is ClockState.BREACHED
    assert clock.breached_at == at("2026-11-23 11:00")


def test_fire_due_catches_up_in_order_and_then_fires_nothing_more() -> None:
    clock, effects = fire_due(started(), CAL, at("2026-11-23 15:00"))
    assert [type(e).__name__ for e in effects] == ["ClockWarned", "ClockWarned", "ClockBreached"]
    assert fire_due(clock, CAL, at("2026-11-23 15:00"))[1] == []
    assert fire_due(clock, CAL, at("2026-12-31 00:00"))[1] == []


def test_due_instants_skip_lunch_and_list_warnings_before_the_breach() -> None:
    clock = started("PT2H", "2026-11-23 11:00")  # 11:00-12:00, then 13:00-14:00
    assert [(d.kind, d.threshold, d.instant) for d in due_instants(clock, CAL)] == [
        ("warning", 0.75, at("2026-11-23 13:30")),
        ("warning", 0.9, at("2026-11-23 13:48")),
        ("breach", 1.0, at("2026-11-23 14:00")),
    ]


def test_pause_excludes_the_working_time_spent_waiting_for_the_customer() -> None:
    clock = started("PT1H", "2026-11-23 17:00")  # due Monday 18:00
    assert deadline_of(clock, CAL) == at("2026-11-23 18:00")
    clock, effects = pause_clock(clock, CAL, at("2026-11-23 17:30"))
    assert effects[-1] == ClockPaused(
        complaint_id="c-1",
        kind=ClockKind.FIRST_RESPONSE,
        run=1,
        at=at("2026-11-23 17:30"),
        remaining=timedelta(minutes=30),
    )
    assert due_instants(clock, CAL) == []
    assert deadline_of(clock, CAL) is None
    clock, effects = resume_clock(clock, CAL, at("2026-11-24 10:00"))
    # Paused 17:30-18:00 and 09:00-10:00 of working time: the deadline moves 1.5 h.
    assert effects == [
        ClockResumed(
            complaint_id="c-1",
            kind=ClockKind.FIRST_RESPONSE,
            run=1,
            at=at("2026-11-24 10:00"),
            deadline=at("2026-11-24 10:30"),
        )
    ]


def test_a_paused_clock_never_breaches() -> None:
    clock, _ = pause_clock(started(), CAL, at("2026-11-23 10:30"))
    clock, effects = fire_due(clock, CAL, at("2026-12-31 10:30"))
    assert effects == []
    assert clock.state is ClockState.PAUSED
    assert remaining_working_time(clock, CAL, at("2026-12-31 10:30")) == timedelta(minutes=30)


def test_stop_in_time_is_met() -> None:
    clock, _ = fire_due(started(), CAL, at("2026-11-23 10:46"))
    clock, effects = stop_clock(clock, CAL, at("2026-11-23 10:50"))
    assert effects == [
        ClockMet(
            complaint_id="c-1",
            kind=ClockKind.FIRST_RESPONSE,
            run=1,
            at=at("2026-11-23 10:50"),
            late=False,
            working_time=timedelta(minutes=50),
            budget=timedelta(hours=1),
        )
    ]
    assert clock.state is ClockState.MET
    assert clock.met_at == at("2026-11-23 10:50")


def test_stop_at_the_deadline_instant_is_in_time() -> None:
    clock, effects = stop_clock(started(), CAL, at("2026-11-23 11:00"))
    assert clock.state is ClockState.MET
    met = effects[-1]
    assert isinstance(met, ClockMet) and not met.late


def test_stop_after_an_unnoticed_deadline_reports_the_breach_then_a_late_met() -> None:
    clock, effects = stop_clock(started(), CAL, at("2026-11-23 11:30"))
    assert [type(e).__name__ for e in effects] == [
        "ClockWarned",
        "ClockWarned",
        "ClockBreached",
        "ClockMet",
    ]
    assert effects[2].at == at("2026-11-23 11:00")
    met = effects[-1]
    assert isinstance(met, ClockMet) and met.late
    assert clock.state is ClockState.BREACHED
    assert clock.phase is ClockPhase.STOPPED


def test_repeating_a_transition_changes_nothing() -> None:
    clock = started()
    assert resume_clock(clock, CAL, at("2026-11-23 10:10")) == (clock, [])
    paused, _ = pause_clock(clock, CAL, at("2026-11-23 10:10"))
    assert pause_clock(paused, CAL, at("2026-11-23 10:20")) == (paused, [])
    stopped, _ = stop_clock(paused, CAL, at("2026-11-23 10:30"))
    assert stop_clock(stopped, CAL, at("2026-11-23 10:40")) == (stopped, [])
    assert pause_clock(stopped, CAL, at("2026-11-23 10:40")) == (stopped, [])


def test_extension_by_a_duration_moves_the_deadline_and_is_recorded() -> None:
    clock = started("P3D")  # due Thursday 10:00
    clock, effects = extend_clock(
        clock,
        CAL,
        at=at("2026-11-24 10:00"),
        reason="awaiting lab test",
        consented=True,
        by=parse_duration("PT2H"),
    )
    assert deadline_of(clock, CAL) == at("2026-11-26 12:00")
    extended = effects[-1]
    assert isinstance(extended, ClockExtended)
    assert (extended.reason, extended.consented, extended.added) == (
        "awaiting lab test",
        True,
        timedelta(hours=2),
    )
    assert extended.deadline == at("2026-11-26 12:00")
    clock, _ = extend_clock(
        clock,
        CAL,
        at=at("2026-11-24 11:00"),
        reason="legal review",
        consented=False,
        by=parse_duration("P1D"),
    )
    assert deadline_of(clock, CAL) == at("2026-11-27 12:00")
    assert [e.reason for e in clock.extensions] == ["awaiting lab test", "legal review"]


def test_extension_to_a_new_deadline_lands_exactly_there() -> None:
    clock, _ = extend_clock(
        started("P3D"),
        CAL,
        at=at("2026-11-24 10:00"),
        reason="customer asked",
        consented=True,
        new_deadline=at("2026-11-27 15:00"),
    )
    assert deadline_of(clock, CAL) == at("2026-11-27 15:00")


def test_extending_a_paused_clock_adds_to_what_remains() -> None:
    clock, _ = pause_clock(started("PT4H"), CAL, at("2026-11-23 11:00"))  # 3 h remain
    clock, _ = extend_clock(
        clock,
        CAL,
        at=at("2026-11-23 16:00"),
        reason="supplier",
        consented=True,
        by=parse_duration("PT1H"),
    )
    clock, _ = resume_clock(clock, CAL, at("2026-11-24 09:00"))
    assert deadline_of(clock, CAL) == at("2026-11-24 14:00")  # 3 h + 1 h from 09:00


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"reason": "  ", "by": parse_duration("PT1H")}, "reason"),
        ({"reason": "x"}, "exactly one"),
        (
            {"reason": "x", "by": parse_duration("PT1H"), "new_deadline": at("2026-12-01 10:00")},
            "exactly one",
        ),
        ({"reason": "x", "new_deadline": at("2026-11-23 10:30")}, "not later"),
        ({"reason": "x", "by": parse_duration("PT0S")}, "add some"),
    ],
)
def test_extension_needs_a_reason_and_must_move_the_deadline_later(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        extend_clock(started(), CAL, at=at("2026-11-23 10:20"), consented=True, **kwargs)  # type: ignore[arg-type]


def test_a_stopped_clock_cannot_be_extended() -> None:
    stopped, _ = stop_clock(started(), CAL, at("2026-11-23 10:20"))
    with pytest.raises(ClockTransitionError):
        extend_clock(
            stopped,
            CAL,
            at=at("2026-11-23 10:30"),
            reason="x",
            consented=True,
            by=parse_duration("PT1H"),
        )


def test_an_extension_after_the_breach_keeps_the_breach_on_record() -> None:
    clock, _ = fire_due(started(), CAL, at("2026-11-23 11:05"))
    clock, effects = extend_clock(
        clock,
        CAL,
        at=at("2026-11-23 11:10"),
        reason="late consent",
        consented=True,
        by=parse_duration("PT2H"),
    )
    assert [type(e) for e in effects] == [ClockExtended]
    assert clock.state is ClockState.BREACHED
    assert fire_due(clock, CAL, at("2026-11-30 00:00"))[1] == []


def test_restart_begins_a_fresh_numbered_run() -> None:
    breached, _ = stop_clock(started("P5D"), CAL, at("2026-12-02 10:00"))
    clock, effects = restart_clock(breached, CAL, at("2026-12-03 10:00"))
    assert clock.run == 2
    assert clock.state is ClockState.RUNNING
    assert (clock.warnings_fired, clock.breached_at, clock.met_at) == ((), None, None)
    assert deadline_of(clock, CAL) == at("2026-12-10 10:00")
    started_effect = effects[0]
    assert isinstance(started_effect, ClockStarted) and started_effect.restarted


def test_cancelled_clock_is_neither_met_nor_breached_and_stays_cancelled() -> None:
    clock, effects = cancel_clock(started("P7D"), CAL, at("2026-11-24 10:00"), "reopened")
    assert [type(e) for e in effects] == [ClockCancelled]
    assert clock.state is ClockState.CANCELLED
    assert due_instants(clock, CAL) == []
    assert stop_clock(clock, CAL, at("2026-11-25 10:00")) == (clock, [])
    assert resume_clock(clock, CAL, at("2026-11-25 10:00")) == (clock, [])
    with pytest.raises(ClockTransitionError):
        extend_clock(
            clock,
            CAL,
            at=at("2026-11-25 10:00"),
            reason="x",
            consented=True,
            by=parse_duration("PT1H"),
        )


def test_instants_before_the_last_recorded_one_are_clamped() -> None:
    clock, _ = pause_clock(started(), CAL, at("2026-11-23 10:30"))
    clock, effects = resume_clock(clock, CAL, at("2026-11-23 10:00"))  # arrived out of order
    assert clock.segment_start == at("2026-11-23 10:30")
    assert effects[0].at == at("2026-11-23 10:30")
    breached, _ = fire_due(started(), CAL, at("2026-11-23 11:00"))
    paused, _ = pause_clock(breached, CAL, at("2026-11-23 10:50"))
    assert paused.accumulated == paused.budget  # clamped to the breach instant


def test_a_24x7_clock_runs_through_the_night() -> None:
    clock = started("PT15M", "2026-11-28 03:00", calendar=ALWAYS_OPEN)
    assert deadline_of(clock, ALWAYS_OPEN) == at("2026-11-28 03:15")
    assert clock.calendar == "24x7"


def test_warning_thresholds_outside_zero_and_one_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        start_clock(
            complaint_id="c-1",
            kind=ClockKind.ARCHIVE,
            target=parse_duration("P7D"),
            calendar=CAL,
            at=datetime(2026, 11, 23, tzinfo=UTC),
            policy_id="default",
            policy_version=1,
            warn_at=(0.5, 1.0),
        )
