"""A deadline past the last year whose holidays a calendar has loaded is announced: an
event on sla.events.v1, a counter per calendar and a structured log line."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
from sla_support import FakeStore, RecordingPublisher, received

from closeloop_shared.durations import parse_duration
from closeloop_shared.events import sla
from closeloop_sla.adapters.policy_documents import PolicyDoc
from closeloop_sla.domain.clock import start_clock
from closeloop_sla.domain.clock_coverage import coverage_gaps
from closeloop_sla.domain.clock_effects import ClockEffect
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.complaint_clocks import ComplaintClocks
from closeloop_sla.domain.official_calendars import OFFICIAL_CALENDARS
from closeloop_sla.domain.policy import ComplaintAttributes
from closeloop_sla.domain.policy_library import PolicyLibrary
from closeloop_sla.metrics import COVERAGE_EXCEEDED
from closeloop_sla.service.clock_processor import ClockProcessor
from closeloop_sla.service.deadline_schedule import DeadlineSchedule

US = OFFICIAL_CALENDARS["us"]  # holidays of 2026 and 2027
T0 = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York


def library_with(target: str, calendar: str = "us") -> PolicyLibrary:
    library = PolicyLibrary()
    policy = PolicyDoc.model_validate(
        {
            "id": "us-desk",
            "priority": 100,
            "match": {"categories": ["quick"]},
            "clocks": [{"clock": "first_response", "target": target, "calendar": calendar}],
        }
    ).to_domain(1)
    library.install_policies((*library.current_policies, policy), current=True)
    return library


async def process(library: PolicyLibrary) -> RecordingPublisher:
    store = FakeStore()
    publisher = RecordingPublisher(store)
    processor = ClockProcessor(store, library, DeadlineSchedule(), publisher, now=lambda: T0)
    await processor.process([received("c-1", T0)])
    return publisher


def started(target: str) -> tuple[ComplaintClocks, list[ClockEffect]]:
    clock, effects = start_clock(
        complaint_id="c-1", kind=ClockKind.FIRST_RESPONSE, target=parse_duration(target),
        calendar=US, at=T0, policy_id="us-desk", policy_version=1,
    )  # fmt: skip
    state = ComplaintClocks(
        complaint_id="c-1",
        policy_id="us-desk",
        policy_version=1,
        attributes=ComplaintAttributes("complaint", "normal", "quick", "web", None),
        clocks=(clock,),
    )
    return state, list(effects)


async def test_a_deadline_past_the_loaded_years_is_announced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = COVERAGE_EXCEEDED.labels("us")._value.get()
    with caplog.at_level(logging.WARNING):
        publisher = await process(library_with("P300D"))  # 300 working days: into 2028
    [event] = publisher.events("coverage_exceeded.v1")
    body = event.data
    assert isinstance(body, sla.CalendarCoverageExceeded)
    assert (body.calendar, body.covered_until, body.clock) == (
        "us",
        date(2027, 12, 31),
        "first_response",
    )
    assert body.deadline.astimezone(US.zone).date() > date(2027, 12, 31)
    [started_event] = publisher.events("clock.started.v1")
    assert isinstance(started_event.data, sla.ClockStarted)
    assert started_event.data.deadline == body.deadline  # the clock still runs
    assert event.subject == "c-1"
    assert COVERAGE_EXCEEDED.labels("us")._value.get() == before + 1
    [line] = [r for r in caplog.records if "loaded holidays" in r.getMessage()]
    assert line.__dict__["calendar"] == "us" and line.__dict__["covered_until"] == "2027-12-31"


async def test_a_deadline_inside_the_loaded_years_announces_nothing() -> None:
    publisher = await process(library_with("P30D"))
    assert publisher.events("clock.started.v1")
    assert publisher.events("coverage_exceeded.v1") == []


async def test_calendars_that_claim_no_holidays_never_run_out() -> None:
    publisher = await process(library_with("P900D", calendar="business"))
    assert publisher.events("clock.started.v1")
    assert publisher.events("coverage_exceeded.v1") == []


def test_only_new_deadlines_past_coverage_are_gaps() -> None:
    state, effects = started("P300D")
    [gap] = coverage_gaps(effects, state, lambda key: US)
    assert gap.covered_until == date(2027, 12, 31) and gap.calendar == "us"
    assert gap.deadline - T0 > timedelta(days=365)
    state, effects = started("P5D")
    assert coverage_gaps(effects, state, lambda key: US) == []
