"""Staff notices: who is told what, and when (working hours, on call), and the chat
webhook bodies and DingTalk signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from closeloop_feedback.adapters.im_webhook import ImPlatform, dingtalk_sign, payload
from closeloop_feedback.domain.staff_notices import (
    Delivery,
    StaffKind,
    StaffNotice,
    WorkingHours,
    assignment_notice,
    deliveries,
    escalation_notice,
    transfer_notice,
)

# Monday to Friday, 09:00–18:00 in Shanghai (UTC+8).
OFFICE = WorkingHours.parse("Asia/Shanghai", [1, 2, 3, 4, 5], "09:00", "18:00")
TUESDAY_NOON = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TUESDAY_NIGHT = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # Wednesday 00:00 in Shanghai
FRIDAY_EVENING = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)  # 19:00 in Shanghai
WEDNESDAY_9 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def test_the_next_working_time_is_now_within_hours_else_the_next_opening() -> None:
    assert OFFICE.next_working_time(TUESDAY_NOON) == TUESDAY_NOON
    assert OFFICE.next_working_time(TUESDAY_NIGHT) == WEDNESDAY_9
    assert OFFICE.next_working_time(FRIDAY_EVENING) == MONDAY_9  # over the weekend


def _breach() -> StaffNotice:
    return escalation_notice(
        "c-1",
        "billing",
        level=1,
        trigger="sla_breach",
        to=["sup-1", "agent-1"],
        reason="SLA clock 'resolution' breached",
        clock="resolution",
        urgent_complaint=False,
    )


def test_a_breach_at_night_goes_at_once_to_the_on_call_person_only() -> None:
    notice = _breach()
    assert notice.kind is StaffKind.breach and notice.urgent
    told = deliveries(notice, on_call="sup-1", hours=OFFICE, now=TUESDAY_NIGHT)
    assert told == [Delivery("sup-1", TUESDAY_NIGHT), Delivery("agent-1", WEDNESDAY_9)]


def test_an_on_call_person_not_among_the_recipients_is_told_too() -> None:
    told = deliveries(_breach(), on_call="duty-7", hours=OFFICE, now=TUESDAY_NIGHT)
    assert told[0] == Delivery("duty-7", TUESDAY_NIGHT)
    assert {d.recipient for d in told[1:]} == {"sup-1", "agent-1"}
    assert {d.send_at for d in told[1:]} == {WEDNESDAY_9}


def test_without_anyone_on_call_an_urgent_notice_goes_to_everybody_at_once() -> None:
    told = deliveries(_breach(), on_call=None, hours=OFFICE, now=TUESDAY_NIGHT)
    assert {d.send_at for d in told} == {TUESDAY_NIGHT}


def test_a_warning_waits_for_working_hours_unless_the_complaint_is_urgent() -> None:
    def warning(urgent: bool) -> StaffNotice:
        return escalation_notice(
            "c-2",
            "billing",
            level=0,
            trigger="sla_warning",
            to=["agent-1", "sup-1"],
            reason="warning",
            clock="first_response",
            urgent_complaint=urgent,
        )

    calm = deliveries(warning(False), on_call="sup-1", hours=OFFICE, now=FRIDAY_EVENING)
    assert {d.send_at for d in calm} == {MONDAY_9}
    urgent = deliveries(warning(True), on_call="sup-1", hours=OFFICE, now=FRIDAY_EVENING)
    assert urgent[0] == Delivery("sup-1", FRIDAY_EVENING)


def test_major_transfer_and_assignment_notices_name_whom_they_concern() -> None:
    major = escalation_notice(
        "c-3",
        "quality",
        level=2,
        trigger="major_complaint",
        to=["lead-1", "legal-1", "tech-1", "sup-1"],
        reason="major complaint",
        clock=None,
        urgent_complaint=False,
    )
    assert major.kind is StaffKind.major
    assert major.recipients == ("lead-1", "legal-1", "tech-1", "sup-1")
    moved = transfer_notice(
        "c-3",
        from_department="quality",
        to_department="logistics",
        reason="运输损坏",
        supervisor="log-sup",
        urgent_complaint=False,
    )
    assert (moved.kind, moved.department, moved.recipients) == (
        StaffKind.transfer,
        "logistics",
        ("log-sup",),
    )
    assert "from: quality" in moved.text
    nobody = transfer_notice(
        "c-3",
        from_department="a",
        to_department="b",
        reason="x",
        supervisor=None,
        urgent_complaint=False,
    )
    assert nobody.recipients == ()
    given = assignment_notice("c-4", "billing", assignee="agent-2", urgent_complaint=True)
    assert given.recipients == ("agent-2",) and given.urgent


def test_chat_bodies_are_what_each_platform_accepts() -> None:
    assert payload(ImPlatform.slack, "hi") == {"text": "hi"}
    for platform in (ImPlatform.wecom, ImPlatform.dingtalk):
        assert payload(platform, "hi") == {"msgtype": "text", "text": {"content": "hi"}}


def test_the_dingtalk_signature_is_hmac_sha256_of_timestamp_and_secret() -> None:
    secret, stamp = "SECabc", 1_700_000_000_000
    expected = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256)
    assert dingtalk_sign(secret, stamp) == base64.b64encode(expected.digest()).decode()
    assert dingtalk_sign(secret, stamp + 1) != dingtalk_sign(secret, stamp)
