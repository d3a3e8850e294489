"""Adapters: table rows round-trip, incoming events map to clock inputs, effects map to
events with deterministic ids, and policy/calendar documents validate field by field."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from closeloop_shared.durations import parse_duration
from closeloop_shared.events import feedback, intake, routing, sla
from closeloop_sla.adapters.clock_codec import decode_header, decode_row, encode_row
from closeloop_sla.adapters.effect_events import ID_NAMESPACE, effect_id, event_of
from closeloop_sla.adapters.event_inputs import UnusableEvent, input_of
from closeloop_sla.adapters.policy_documents import CalendarDoc, CalendarRead, PolicyDoc, PolicyRead
from closeloop_sla.domain.calendar import DEFAULT_CALENDAR
from closeloop_sla.domain.clock_effects import ClockBreached, ClockPaused, ClockWarned
from closeloop_sla.domain.clock_inputs import (
    AssignDepartment,
    ClockInput,
    Extend,
    Receive,
    Trigger,
)
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.clock_rules import apply_input
from closeloop_sla.domain.complaint_clocks import ComplaintClocks
from closeloop_sla.domain.policy import ComplaintAttributes
from closeloop_sla.domain.policy_defaults import DEFAULT_POLICIES
from closeloop_sla.domain.policy_library import PolicyLibrary

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
K = ClockKind
ONE_S = timedelta(seconds=1)


def busy_state() -> ComplaintClocks:
    library = PolicyLibrary()
    attrs = ComplaintAttributes("complaint", "major", "billing", "web", "gold")
    extend = Extend(K.RESOLUTION, T0 + timedelta(hours=3), "law", True, by=parse_duration("P1D"))
    steps: list[ClockInput] = [
        AssignDepartment("billing"),
        Trigger("awaiting_customer", T0 + timedelta(hours=1)),
        Trigger("resumed", T0 + timedelta(hours=2)),
        extend,
    ]
    state, _ = apply_input(None, "c-1", Receive(T0, attrs), library)
    for step in steps:
        state, _ = apply_input(state, "c-1", step, library)
    assert state is not None
    return state.remember("evt-1")


def test_a_row_round_trips_every_field() -> None:
    state = busy_state()
    raw = encode_row(state, [(123, "resolution")], ["running", "paused"])
    assert decode_row(raw) == state
    assert decode_header(raw) == ([(123, "resolution")], ["running", "paused"])


def test_lifecycle_routing_and_feedback_events_map_to_inputs() -> None:
    base = {"complaint_id": "c-1", "at": T0, "version": 2, "actor": "a", "status": "in_progress"}
    received = intake.ComplaintReceived(
        complaint_id="c-1",
        at=T0,
        received_at=T0,
        channel="phone",
        kind="complaint",
        category="billing",
        severity="urgent",
        severity_reason="x",
        customer_pseudonym="p",
        customer_tier="gold",
        received_by="agent-7",
    )
    assert input_of(received) == Receive(
        T0, ComplaintAttributes("complaint", "urgent", "billing", "phone", "gold"), registered=True
    )
    assert input_of(intake.ComplaintResolved(**base, outcome="upheld", basis="b")) == Trigger(
        "resolved", T0
    )
    routed = routing.ComplaintRouted(
        complaint_id="c-1", at=T0, department="billing", rule_set_version=1, reason="r"
    )
    assert input_of(routed) == AssignDepartment("billing")
    notice = feedback.NotificationSent(
        complaint_id="c-1", at=T0, channel="email", template="resolved"
    )
    assert input_of(notice) == Trigger("customer_notified", T0)
    phone = feedback.SurveyAnswered(
        complaint_id="c-1", at=T0, survey_id="s", score=5, solved=True, via="phone"
    )
    assert input_of(phone) == Trigger("callback_completed", T0)
    extended = intake.ComplaintExtended(
        **base, clock="resolution", extend_by="P2D", reason="law", customer_consented=False
    )
    assert input_of(extended) == Extend(K.RESOLUTION, T0, "law", False, parse_duration("P2D"))
    assert input_of(intake.NoteAdded(**base)) is None


def test_an_extension_naming_no_known_clock_is_unusable() -> None:
    base = {"complaint_id": "c-1", "at": T0, "version": 2, "actor": "a", "status": "in_progress"}
    bad = intake.ComplaintExtended(**base, clock="moon", reason="r", customer_consented=True)
    with pytest.raises(UnusableEvent):
        input_of(bad)


def test_alert_ids_depend_on_the_clock_run_not_on_the_cause() -> None:
    breach = ClockBreached(complaint_id="c-1", kind=K.RESOLUTION, run=1, at=T0, detected_at=T0)
    later = ClockBreached(
        complaint_id="c-1", kind=K.RESOLUTION, run=1, at=T0, detected_at=T0 + timedelta(hours=1)
    )
    assert effect_id(breach, "cause-a") == effect_id(later, "cause-b")
    second_run = ClockBreached(complaint_id="c-1", kind=K.RESOLUTION, run=2, at=T0, detected_at=T0)
    assert effect_id(second_run, "cause-a") != effect_id(breach, "cause-a")
    warned = ClockWarned(
        complaint_id="c-1", kind=K.RESOLUTION, run=1, at=T0, threshold=0.75, deadline=None,
        detected_at=T0,
    )  # fmt: skip
    assert effect_id(warned, "x") != effect_id(breach, "x")
    pause = ClockPaused(complaint_id="c-1", kind=K.RESOLUTION, run=1, at=T0, remaining=timedelta(0))
    assert effect_id(pause, "cause-a") != effect_id(pause, "cause-b")


def test_a_breach_event_carries_deadline_detection_and_policy() -> None:
    state = busy_state()
    effect = ClockBreached(
        complaint_id="c-1",
        kind=K.FIRST_RESPONSE,
        run=1,
        at=T0,
        detected_at=T0 + ONE_S,
    )
    event = event_of(effect, state, cause_id="x", now=T0)
    assert event.type == "closeloop.sla.clock.breached.v1" and event.subject == "c-1"
    body = event.data
    assert isinstance(body, sla.ClockBreached)
    assert (body.policy_id, body.severity, body.clock) == ("major", "major", "first_response")
    assert body.deadline == T0 and body.detected_at == T0 + ONE_S


def test_policy_documents_name_each_bad_field() -> None:
    with pytest.raises(ValidationError) as caught:
        PolicyDoc.model_validate(
            {
                "id": "Bad Id",
                "clocks": [
                    {"clock": "first_response", "target": "P1M"},
                    {"clock": "moon", "target": "PT1H"},
                    {"clock": "archive", "target": "PT1H", "warn_at": [0.9, 0.5]},
                ],
            }
        )
    where = {tuple(e["loc"]) for e in caught.value.errors()}
    assert {("id",), ("clocks", 0, "target"), ("clocks", 1, "clock")} <= where
    assert ("clocks", 2, "warn_at") in where


def test_default_policies_survive_the_document_round_trip() -> None:
    for policy in DEFAULT_POLICIES:
        document = PolicyRead.of(policy)
        assert document.to_domain(policy.version) == policy


def test_calendar_documents_build_calendars_and_refuse_bad_ones() -> None:
    doc = CalendarDoc(
        name="cn-2026",
        hours={"mon": "09:00-12:00,13:00-18:00", "sat": "10:00-16:00"},
        holidays=[date(2026, 10, 1)],
    )
    calendar = doc.to_domain()
    assert calendar.hours_on(date(2026, 11, 23)) == DEFAULT_CALENDAR.hours_on(date(2026, 11, 23))
    assert calendar.hours_on(date(2026, 10, 1)) == ()
    read = CalendarRead.of(calendar, "cn-2026", 3)
    assert read.hours == doc.hours and read.version == 3
    for bad in (
        {"name": "x", "time_zone": "Mars/Base", "hours": {"mon": "09:00-18:00"}},
        {"name": "x", "hours": {"mon": "18:00-09:00"}},
        {"name": "x"},
        {"name": "24x7", "always_open": True},
    ):
        with pytest.raises(ValidationError):
            CalendarDoc.model_validate(bad)


def test_breach_ids_are_uuid5_of_complaint_clock_and_run() -> None:
    """Pinned: consumers deduplicate by these ids across releases and restarts."""
    breach = ClockBreached(complaint_id="c-1", kind=K.RESOLUTION, run=2, at=T0, detected_at=T0)
    expected = uuid.uuid5(ID_NAMESPACE, "c-1/resolution/2/breach")
    assert effect_id(breach, "any cause") == str(expected)
