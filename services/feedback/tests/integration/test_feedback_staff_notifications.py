"""Staff notifications through the real broker, database, SMTP sink and a chat webhook
(a local HTTP server started here): a breach reaches the on-call supervisor's mailbox and
the department's DingTalk webhook (signed) exactly once although the event is delivered
three times; whoever is not on call is told at their next working hour; the caller lists
their notifications unread first and marks them read."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from closeloop_devstack.smtp_sink import SmtpSinkProcess
from closeloop_feedback.testing import (
    FeedbackUnderTest,
    Gateway,
    eventually,
    settings_for,
    start_feedback,
)
from closeloop_shared.auth import Role
from closeloop_shared.crypto import Sealer
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.routing import (
    ComplaintEscalated,
    DepartmentDirectory,
    WorkingHours,
)

pytestmark = pytest.mark.integration
SECRET = "SEC-test-dingtalk-secret"
SUPERVISOR, AGENT = "billing-sup", "billing-agent-1"


@pytest.fixture
async def feedback(
    kafka_bootstrap: str, mongo_uri: str, smtp_sink_process: SmtpSinkProcess, gateway: Gateway
) -> AsyncIterator[FeedbackUnderTest]:
    if not smtp_sink_process.is_running():
        smtp_sink_process.start()
    gateway.reply = b'{"errcode": 0, "errmsg": "ok"}'
    webhook = {"platform": "dingtalk", "url": f"{gateway.url}?access_token=t", "secret": SECRET}
    settings = settings_for(
        kafka_bootstrap,
        mongo_uri,
        f"staff-{uuid.uuid4().hex[:8]}",
        smtp_port=smtp_sink_process.port,
        staff_im_webhooks={"billing": webhook},
    )
    async with start_feedback(settings) as running:
        yield running


def _hours_excluding_now() -> WorkingHours:
    """One working hour a day that does not contain the present moment (UTC)."""
    hour = datetime.now(UTC).hour
    start = hour + 2 if hour < 20 else 1
    days = list(range(1, 8))
    return WorkingHours(
        timezone="UTC", days=days, start=f"{start:02d}:00", end=f"{start + 1:02d}:00"
    )


def _directory(feedback: FeedbackUnderTest, addresses: dict[str, str]) -> CloudEvent:
    sealer = Sealer(feedback.settings.pii_key)
    body = DepartmentDirectory(
        department="billing",
        version=1,
        at=datetime.now(UTC),
        supervisor=SUPERVISOR,
        leader="billing-lead",
        members=[AGENT],
        on_call=SUPERVISOR,
        working_hours=_hours_excluding_now(),
        contacts_sealed=sealer.seal(addresses, context="staff-directory"),
    )
    return CloudEvent.of(body, source="closeloop.routing", subject="billing")


def _escalated(cid: str, trigger: str, level: int, to: list[str]) -> CloudEvent:
    body = ComplaintEscalated(
        complaint_id=cid,
        at=datetime.now(UTC),
        level=level,
        to=to,
        reason=f"SLA clock 'first_response' {trigger}",
        trigger=trigger,
        mode="reassign" if trigger == "sla_breach" else "notify",
        clock="first_response",
        department="billing",
    )
    return CloudEvent.of(body, source="closeloop.routing", subject=cid)


async def _listed(feedback: FeedbackUnderTest, who: str) -> dict[str, Any]:
    reply = await feedback.client.get("/v1/notifications", headers=feedback.auth(sub=who))
    assert reply.status_code == 200, reply.text
    listed: dict[str, Any] = reply.json()
    return listed


async def test_a_breach_reaches_the_supervisor_and_the_webhook_exactly_once(
    feedback: FeedbackUnderTest, smtp_sink_process: SmtpSinkProcess, gateway: Gateway
) -> None:
    tag = uuid.uuid4().hex[:8]
    mailbox = {SUPERVISOR: f"sup-{tag}@example.com", AGENT: f"agent-{tag}@example.com"}
    await feedback.send(_directory(feedback, mailbox))
    await eventually(lambda: _directory_known(feedback), what="the staff directory projected")
    cid = f"cmp-{tag}"
    breach = _escalated(cid, "sla_breach", 1, [SUPERVISOR, AGENT])
    await feedback.send(breach, breach)  # a redelivery: the same event id
    await feedback.send(breach)
    # A later warning of the same complaint (same partition, so handled after the copies).
    await feedback.send(_escalated(cid, "sla_warning", 1, [AGENT, SUPERVISOR]))

    async def agent_warned() -> bool | None:
        kinds = [n["kind"] for n in (await _listed(feedback, AGENT))["notifications"]]
        return True if sorted(kinds) == ["breach", "warning"] else None

    await eventually(agent_warned, what="the agent's two notifications")

    def mails_to(address: str) -> list[dict[str, Any]]:
        return [m for m in smtp_sink_process.messages() if address in m["to"]]

    async def supervisor_mailed() -> list[dict[str, Any]] | None:
        return mails_to(mailbox[SUPERVISOR]) or None

    [mail] = await eventually(supervisor_mailed, what="the supervisor's breach mail")
    assert cid in mail["subject"] and "SLA breach" in mail["subject"]
    assert f"complaint: {cid}" in mail["body"]

    async def chat_called() -> list[dict[str, Any]] | None:
        return [body for _, body in gateway.requests] or None

    [call] = await eventually(chat_called, what="the DingTalk webhook call")
    assert call["msgtype"] == "text" and cid in call["text"]["content"]
    [query] = gateway.queries
    assert query["access_token"] == ["t"]
    stamp, sign = query["timestamp"][0], query["sign"][0]
    expected = hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256)
    assert sign == base64.b64encode(expected.digest()).decode()

    # Let the sender run a few more rounds: still one mail and one chat message.
    await _sender_rounds(feedback, 5)
    assert len(mails_to(mailbox[SUPERVISOR])) == 1 and len(gateway.requests) == 1
    # The agent is not on call: the breach and the warning wait for their working hour.
    assert mails_to(mailbox[AGENT]) == []
    waiting = (await _listed(feedback, AGENT))["notifications"]
    now = datetime.now(UTC)
    assert all(datetime.fromisoformat(n["send_at"]) > now for n in waiting)
    assert {n["status"] for n in waiting} == {"pending"}

    # The supervisor's list: the breach (the warning went to them too), unread first.
    listed = await _listed(feedback, SUPERVISOR)
    assert listed["unread"] == 2
    breach_note = next(n for n in listed["notifications"] if n["kind"] == "breach")
    assert breach_note["urgent"] is True and breach_note["status"] == "sent"
    read = await feedback.client.post(
        f"/v1/notifications/{breach_note['id']}/read", headers=feedback.auth(sub=SUPERVISOR)
    )
    assert read.status_code == 200 and read.json()["read"] is True
    after = await _listed(feedback, SUPERVISOR)
    assert after["unread"] == 1
    assert [n["read"] for n in after["notifications"]] == [False, True]
    stranger = await feedback.client.post(
        f"/v1/notifications/{breach_note['id']}/read", headers=feedback.auth(sub=AGENT)
    )
    assert stranger.status_code == 404
    channel = feedback.auth(role=Role.channel, sub=SUPERVISOR)
    assert (await feedback.client.get("/v1/notifications", headers=channel)).status_code == 403


async def _directory_known(feedback: FeedbackUnderTest) -> bool | None:
    entry = await feedback.feedback.staff.directory.get("billing")
    return True if entry is not None else None


async def _sender_rounds(feedback: FeedbackUnderTest, rounds: int) -> None:
    for _ in range(rounds):
        await feedback.feedback.staff.deliver_due()
