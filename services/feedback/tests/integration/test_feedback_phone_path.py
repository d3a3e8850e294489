"""The honest phone path, through the real broker and database: without an SMS gateway a
phone customer's notice is recorded as the callback task it is (sent only when the agent
has called); with a gateway (a local HTTP provider double) a real SMS goes out with the
provider key, and the provider's signed delivery receipt is recorded."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from closeloop_feedback.adapters.sms_webhook import receipt_signature
from closeloop_feedback.testing import (
    FeedbackUnderTest,
    Gateway,
    acknowledged,
    eventually,
    new_complaint_id,
    received,
    settings_for,
    start_feedback,
)

pytestmark = pytest.mark.integration
KEY = "provider-key-for-tests"
PHONE = "+8613800138000"


async def _notification(feedback: FeedbackUnderTest, cid: str, status: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        items = [n for n in await feedback.notifications(cid) if n["template"] == "acknowledged"]
        return items[0] if items and items[0]["status"] == status else None

    return await eventually(found, what=f"the acknowledgement notice {status}")


async def test_without_a_gateway_a_phone_customer_gets_a_callback_task_not_an_sms(
    feedback: FeedbackUnderTest,
) -> None:
    cid = new_complaint_id()
    await feedback.send(received(cid, feedback.settings, phone=PHONE, channel="phone"))
    await feedback.send(acknowledged(cid))

    notice = await _notification(feedback, cid, "callback_task")
    assert notice["channel"] == "phone_callback"
    assert [h["result"] for h in notice["history"]] == ["callback_task"]
    tasks = (await feedback.client.get("/v1/callback-tasks", headers=feedback.auth())).json()
    [task] = [t for t in tasks if t["complaint_id"] == cid]
    assert task["id"] == notice["id"] and task["template"] == "acknowledged"
    assert feedback.watcher.of(cid, "notification.sent") == []  # nobody told anybody yet

    done = await feedback.client.post(
        f"/v1/callback-tasks/{task['id']}/complete", json={}, headers=feedback.auth()
    )
    assert done.status_code == 200
    called = await _notification(feedback, cid, "sent")
    assert called["history"][-1]["result"] == "called"

    async def sent_event() -> list[Any] | None:
        return feedback.watcher.of(cid, "notification.sent") or None

    [event] = await eventually(sent_event, what="NotificationSent after the call")
    assert event.data.channel == "phone_callback" and event.data.template == "acknowledged"


@pytest.fixture
async def sms_feedback(
    kafka_bootstrap: str, mongo_uri: str, gateway: Gateway
) -> AsyncIterator[FeedbackUnderTest]:
    settings = settings_for(
        kafka_bootstrap,
        mongo_uri,
        f"sms-{uuid.uuid4().hex[:8]}",
        sms_webhook_url=gateway.url,
        sms_provider_key=KEY,
    )
    async with start_feedback(settings) as running:
        yield running


async def test_with_a_gateway_an_sms_goes_out_and_its_receipt_is_recorded(
    sms_feedback: FeedbackUnderTest, gateway: Gateway
) -> None:
    feedback = sms_feedback
    cid = new_complaint_id()
    await feedback.send(received(cid, feedback.settings, phone=PHONE, channel="phone"))
    await feedback.send(acknowledged(cid))
    notice = await _notification(feedback, cid, "sent")
    assert notice["channel"] == "sms"
    [(headers, message)] = [r for r in gateway.requests if r[1]["reference"] == notice["id"]]
    assert headers["Authorization"] == f"Bearer {KEY}" and message["to"] == PHONE

    receipt = json.dumps({"reference": notice["id"], "status": "delivered"}).encode()
    url = "/v1/sms/receipts"
    forged = await feedback.client.post(
        url, content=receipt, headers={"X-Closeloop-Signature": receipt_signature("nope", receipt)}
    )
    assert forged.status_code == 401
    assert (await feedback.client.post(url, content=receipt)).status_code == 401
    signed = {"X-Closeloop-Signature": receipt_signature(KEY, receipt)}
    for _ in range(2):  # a repeated receipt is recorded once
        ok = await feedback.client.post(url, content=receipt, headers=signed)
        assert ok.status_code == 200 and ok.json()["delivery_status"] == "delivered"
    [after] = [n for n in await feedback.notifications(cid) if n["id"] == notice["id"]]
    assert after["delivery_status"] == "delivered"
    assert [h["result"] for h in after["history"]].count("receipt: delivered") == 1

    unknown = json.dumps({"reference": "nope", "status": "failed"}).encode()
    missing = await feedback.client.post(
        url, content=unknown, headers={"X-Closeloop-Signature": receipt_signature(KEY, unknown)}
    )
    assert missing.status_code == 404
    bad = json.dumps({"reference": notice["id"], "status": "read"}).encode()
    wrong = await feedback.client.post(
        url, content=bad, headers={"X-Closeloop-Signature": receipt_signature(KEY, bad)}
    )
    assert wrong.status_code == 422 and wrong.json()["fields"][0]["field"] == "status"
