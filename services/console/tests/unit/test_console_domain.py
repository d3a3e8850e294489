"""Pure rules of the console: queue order, countdown tones, masking, forms, CSRF, locale."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from closeloop_console.adapters.live import LiveHub, dispatch, summarise
from closeloop_console.adapters.translations import translator
from closeloop_console.domain.csrf import csrf_token, csrf_valid
from closeloop_console.domain.forms import (
    NEW_COMPLAINT_FIELDS,
    action_fields,
    body_from_form,
    place_errors,
)
from closeloop_console.domain.i18n import choose_locale
from closeloop_console.domain.masking import mask_value, masked_customer
from closeloop_console.domain.urgency import (
    Tone,
    clock_tone,
    format_remaining,
    mine,
    next_countdown,
    queue_order,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


def complaint(cid: str, severity: str, **clocks: tuple[str, float]) -> dict[str, object]:
    sla = {name: {"state": state, "deadline": at(m)} for name, (state, m) in clocks.items()}
    return {"id": cid, "severity": severity, "sla": sla, "received_at": "2026-12-01T00:00:00Z"}


def test_queue_is_ordered_by_time_remaining_then_severity() -> None:
    rows = [
        complaint("later", "urgent", resolution=("running", 90)),
        complaint("no-clock", "urgent"),
        complaint("soon-normal", "normal", resolution=("running", 30)),
        complaint("soon-urgent", "urgent", resolution=("running", 30)),
        complaint("met-early", "urgent", acknowledgement=("met", 1), resolution=("running", 60)),
    ]
    order = [c["id"] for c, _ in queue_order(rows, NOW)]
    assert order == ["soon-urgent", "soon-normal", "met-early", "later", "no-clock"]


def test_next_countdown_skips_finished_clocks() -> None:
    c = complaint("x", "normal", acknowledgement=("met", -5), resolution=("running", 40))
    cd = next_countdown(c["sla"], NOW)  # type: ignore[arg-type]
    assert cd.clock == "resolution"
    assert cd.remaining_s(NOW) == 40 * 60


def test_tone_is_amber_at_warning_and_red_at_breach_or_past_deadline() -> None:
    future, past = NOW + timedelta(minutes=5), NOW - timedelta(seconds=1)
    assert clock_tone("running", future, NOW) is Tone.ok
    assert clock_tone("warned", future, NOW) is Tone.warning
    assert clock_tone("breached", future, NOW) is Tone.breach
    assert clock_tone("running", past, NOW) is Tone.breach
    assert clock_tone("met", past, NOW) is Tone.idle


def test_mine_keeps_only_owned_or_co_owned() -> None:
    rows: list[dict[str, object]] = [
        {"id": "a", "assignee": "li"},
        {"id": "b", "assignee": "wang", "co_owners": ["li"]},
        {"id": "c", "assignee": "wang"},
        {"id": "d"},
    ]
    assert [r["id"] for r in mine(rows, "li")] == ["a", "b"]


def test_remaining_is_formatted_with_sign_and_days() -> None:
    assert format_remaining(3725) == "1:02:05"
    assert format_remaining(-65) == "-0:01:05"
    assert format_remaining(90000) == "1d 1:00:00"
    assert format_remaining(None) == ""


def test_contact_data_is_masked_unless_revealed() -> None:
    customer = {
        "name": "李雷",
        "phone": "+8613800138000",
        "email": "li@example.com",
        "pseudonym": "p",
    }
    shown = masked_customer(customer)
    assert shown["phone"].endswith("8000") and "138001" not in shown["phone"]
    assert shown["email"] == "l•••@example.com"
    assert shown["name"] == "李•"
    assert shown["pseudonym"] == "p"
    # revealed: the contact fields are intake's audited answer, the rest stays as it was
    revealed = {"name": "李雷", "phone": "+8613800138000", "email": "li@example.com"}
    assert masked_customer(customer, revealed=revealed) == customer | {"address": None}
    assert masked_customer(customer, revealed={})["phone"] is None
    assert mask_value("address", "1 Road") == "•••"


def test_form_body_nests_dotted_names_and_drops_empty_inputs() -> None:
    form = {
        "channel": "phone",
        "kind": "complaint",
        "customer.phone": " 138 0013 8000 ",
        "customer.email": "",
        "description": "noise",
    }
    body = body_from_form(NEW_COMPLAINT_FIELDS, form)
    assert body == {
        "channel": "phone",
        "kind": "complaint",
        "customer": {"phone": "138 0013 8000"},
        "description": "noise",
    }
    extend = body_from_form(action_fields("extend"), {"reason": "r"})
    assert extend == {"reason": "r", "customer_consented": False}


def test_service_errors_land_next_to_their_fields() -> None:
    problem = {
        "error": "validation_failed",
        "message": "invalid request: customer.phone, foo",
        "fields": [
            {"field": "customer.phone", "problem": "String should match pattern"},
            {"field": "foo", "problem": "extra"},
        ],
    }
    errors = place_errors(NEW_COMPLAINT_FIELDS, problem)
    assert errors.by_field == {"customer.phone": ["String should match pattern"]}
    assert errors.general == ["foo: extra"]
    only_message = place_errors(NEW_COMPLAINT_FIELDS, {"message": "not allowed now"})
    assert only_message.general == ["not allowed now"] and not only_message.by_field


def test_csrf_token_is_bound_to_the_credential() -> None:
    token = csrf_token("secret", "jwt-a")
    assert csrf_valid("secret", "jwt-a", token)
    assert not csrf_valid("secret", "jwt-b", token)
    assert not csrf_valid("other", "jwt-a", token)
    assert not csrf_valid("secret", "jwt-a", None)


def test_locale_defaults_to_chinese_and_switches() -> None:
    assert choose_locale(None, None, None, "zh-CN") == "zh-CN"
    assert choose_locale("en", "zh-CN", None, "zh-CN") == "en"
    assert choose_locale(None, "en", None, "zh-CN") == "en"
    assert choose_locale(None, None, "en-GB,en;q=0.8", "zh-CN") == "en"
    assert choose_locale("fr", None, "fr-FR", "zh-CN") == "zh-CN"
    assert translator("zh-CN")("My queue") == "我的待办"
    assert translator("en")("My queue") == "My queue"
    assert translator("zh-CN")("{n} unread", n=3) == "3 条未读"


def test_sla_events_are_summarised_without_unknown_types() -> None:
    data = {
        "complaint_id": "c1",
        "clock": "resolution",
        "severity": "urgent",
        "deadline": "2026-12-04T12:00:00+00:00",
        "at": "2026-12-04T11:00:00+00:00",
    }
    assert summarise("closeloop.sla.clock.breached.v1", data) == {
        "complaint_id": "c1",
        "clock": "resolution",
        "state": "breached",
        "deadline": "2026-12-04T12:00:00+00:00",
        "severity": "urgent",
        "at": "2026-12-04T11:00:00+00:00",
    }
    assert summarise("closeloop.sla.clock.warning.v1", data)["state"] == "warned"  # type: ignore[index]
    assert summarise("closeloop.sla.expire.due.v1", data) is None
    assert summarise("closeloop.intake.complaint.registered.v1", data) is None


def test_assignments_reach_only_their_owners_queues() -> None:
    async def scenario() -> tuple[list[str], list[str], list[str]]:
        clocks, assignments = LiveHub(), LiveHub()
        async with (
            clocks.subscribe() as board,
            assignments.subscribe(lambda e: "li" in e["owners"]) as li,
            assignments.subscribe(lambda e: "wang" in e["owners"]) as wang,
        ):
            assigned = {"complaint_id": "c1", "assignee": "li", "co_owners": ["zhao"]}
            assert dispatch(
                clocks, assignments, "closeloop.routing.complaint.assigned.v1", assigned
            )
            queued = {"complaint_id": "c2", "department": "billing"}
            assert not dispatch(
                clocks, assignments, "closeloop.routing.complaint.queued.v1", queued
            )
            warned = {"complaint_id": "c3", "clock": "resolution"}
            assert dispatch(clocks, assignments, "closeloop.sla.clock.warning.v1", warned)
            drain = [q.get_nowait()["complaint_id"] for q in (li,) for _ in range(q.qsize())]
            return (
                drain,
                [e["complaint_id"] for e in [board.get_nowait()]],
                [wang.get_nowait()["complaint_id"] for _ in range(wang.qsize())],
            )

    li, board, wang = asyncio.run(scenario())
    assert li == ["c1"] and board == ["c3"] and wang == []
