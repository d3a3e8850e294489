"""An extension reaches the SLA as the text intake received (issue: ``PT24H`` published as
``P1D``): ``PT24H`` adds 24 working hours, ``P1D`` one working day, in the clock's calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from closeloop_shared.durations import Duration, parse_duration
from closeloop_shared.events import intake
from closeloop_sla.adapters.event_inputs import input_of
from closeloop_sla.domain.calendar import DEFAULT_CALENDAR
from closeloop_sla.domain.clock import extend_clock, start_clock
from closeloop_sla.domain.clock_inputs import Extend
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.clock_model import deadline_of
from closeloop_sla.domain.working_time import working_time_between

CAL = DEFAULT_CALENDAR  # Asia/Shanghai, Mon-Fri 09:00-12:00, 13:00-18:00: 8 h a day


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CAL.zone)


def extended_deadline(extend_by: str) -> tuple[datetime, datetime]:
    """(old, new) deadline of a P3D resolution clock extended by the published text."""
    event = intake.ComplaintExtended(
        complaint_id="c-1",
        at=at("2026-11-24 10:00"),
        actor="agent-1",
        version=3,
        status="in_progress",
        clock="resolution",
        extend_by=extend_by,
        reason="site visit",
        customer_consented=True,
    )
    command = input_of(event)
    assert isinstance(command, Extend)
    clock, _ = start_clock(
        complaint_id="c-1",
        kind=ClockKind.RESOLUTION,
        target=parse_duration("P3D"),
        calendar=CAL,
        at=at("2026-11-23 10:00"),  # Monday
        policy_id="default",
        policy_version=1,
    )
    old = deadline_of(clock, CAL)
    assert command.by is not None
    clock, _ = extend_clock(
        clock, CAL, at=command.at, reason=command.reason, consented=True, by=command.by
    )
    new = deadline_of(clock, CAL)
    assert old is not None and new is not None
    return old, new


def test_pt24h_is_24_working_hours_and_p1d_one_working_day() -> None:
    assert parse_duration("PT24H") == Duration(0, 24 * 3600)
    assert parse_duration("P1D") == Duration(1, 0)
    old, by_hours = extended_deadline("PT24H")
    _, by_day = extended_deadline("P1D")
    assert old == at("2026-11-26 10:00")  # Thursday
    assert working_time_between(CAL, old, by_hours) == timedelta(hours=24)  # three 8 h days
    assert by_hours == at("2026-12-01 10:00")  # Thu 10:00 + 24 working hours: next Tuesday
    assert working_time_between(CAL, old, by_day) == timedelta(hours=8)
    assert by_day == at("2026-11-27 10:00")  # one working day: Friday


@pytest.mark.parametrize("text", ["P1W", "P1.5D", "PT24"])
def test_an_extension_outside_the_grammar_is_unusable(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
