"""Complaints arriving by e-mail (a real SMTP session) and by signed webhook; and no
customer detail in clear text on any topic afterwards."""

from __future__ import annotations

import asyncio
import json
import random
import smtplib
import time
from email.message import EmailMessage
from typing import Any

import orjson
import pytest

from closeloop_intake.domain.webhook_signature import signed_headers
from closeloop_shared.auth import Role
from closeloop_shared.topics import COMPLAINT_LIFECYCLE, COMPLAINTS_PUBLIC, all_topics

pytestmark = pytest.mark.integration
LIFECYCLE, PUBLIC = COMPLAINT_LIFECYCLE.name, COMPLAINTS_PUBLIC.name


def ce_types(records: Any) -> list[str]:
    return [dict(r.headers)["ce_type"].decode() for r in records]


def send_mail(port: int, sender: str, subject: str, text: str) -> str:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "complaints@closeloop.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{random.randrange(10**12)}@example.com>"
    msg.set_content(text)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(msg)
    return str(msg["Message-ID"])


async def complaint_ids(intake: Any, q: str) -> list[str]:
    r = await intake.client.get("/v1/complaints", params={"q": q}, headers=intake.token(Role.agent))
    return [item["id"] for item in r.json()["items"]]


async def test_a_real_mail_becomes_one_email_complaint(intake: Any, kafka_records: Any) -> None:
    marker = f"邮件投诉{random.randrange(10**9)}"
    port = intake.app.state.smtp.port
    await asyncio.to_thread(
        send_mail, port, "李娜 <lina@example.com>", marker, "快递丢失，要求赔偿"
    )
    ids = await complaint_ids(intake, marker)
    assert len(ids) == 1
    r = await intake.client.get(f"/v1/complaints/{ids[0]}", headers=intake.token(Role.agent))
    complaint = r.json()
    assert complaint["channel"] == "email" and complaint["customer"]["email"] == "lina@example.com"
    assert complaint["customer"]["name"] == "李娜"
    records = await kafka_records([LIFECYCLE], key=ids[0], until=lambda rs: len(rs) >= 1)
    assert ce_types(records) == ["closeloop.intake.complaint.received.v1"]


def _signed(secret: str, raw: bytes, *, age_s: int = 0) -> dict[str, str]:
    stamp = int(time.time()) - age_s
    return signed_headers(secret, raw, timestamp=stamp) | {"content-type": "application/json"}


async def test_a_signed_webhook_becomes_one_complaint_and_redelivery_is_idempotent(
    intake: Any, kafka_records: Any
) -> None:
    external = f"ext-{random.randrange(10**9)}"
    body = {
        "customer": {"name": "王芳", "phone": "+8613911112222"},
        "description": "评论区投诉：客服不回复",
        "channel": "social",
        "external_id": external,
    }
    raw = orjson.dumps(body)
    secret = intake.settings.webhook_secret("reviews")
    url = "/v1/channels/webhook/reviews"
    first = await intake.client.post(url, content=raw, headers=_signed(secret, raw))
    # A redelivery is signed anew (a second later: another timestamp, another signature).
    again = await intake.client.post(url, content=raw, headers=_signed(secret, raw, age_s=1))
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    cid = first.json()["id"]
    stored = (
        await intake.client.get(f"/v1/complaints/{cid}", headers=intake.token(Role.agent))
    ).json()
    assert (stored["channel"], stored["received_by"]) == ("social", "webhook:reviews")
    records = await kafka_records([LIFECYCLE], key=cid, until=lambda rs: len(rs) >= 1)
    assert ce_types(records) == ["closeloop.intake.complaint.received.v1"]

    tampered = raw.replace("客服".encode(), "经理".encode())
    headers = _signed(secret, raw, age_s=2)
    r = await intake.client.post(url, content=tampered, headers=headers)
    assert r.status_code == 401


def _external(customer: dict[str, str], description: str) -> bytes:
    """A webhook body with a fresh ``external_id``."""
    external_id = f"ext-{random.randrange(10**9)}"
    return orjson.dumps(
        {"customer": customer, "description": description, "external_id": external_id}
    )


async def test_a_replayed_or_stale_webhook_is_refused(intake: Any) -> None:
    raw = _external({"name": "赵敏", "phone": "+8613922223333"}, "直播间下单后未发货")
    secret = intake.settings.webhook_secret("reviews")
    url = "/v1/channels/webhook/reviews"
    headers = _signed(secret, raw)
    assert (await intake.client.post(url, content=raw, headers=headers)).status_code == 201
    replay = await intake.client.post(url, content=raw, headers=headers)
    assert replay.status_code == 409 and replay.json()["error"] == "replayed"
    stale = await intake.client.post(url, content=raw, headers=_signed(secret, raw, age_s=301))
    assert stale.status_code == 401 and stale.json()["error"] == "stale_signature"
    # Nor can it be replayed on another source's URL (here sharing the development secret).
    other = await intake.client.post("/v1/channels/webhook/shop", content=raw, headers=headers)
    assert other.status_code == 409


async def test_external_id_deduplicates_whatever_the_idempotency_key(intake: Any) -> None:
    raw = _external({"name": "周杰", "email": "zhou@example.com"}, "退款三周未到账")
    secret = intake.settings.webhook_secret("reviews")
    ids = set()
    for n in range(3):
        headers = _signed(secret, raw, age_s=n) | {"Idempotency-Key": f"key-{random.random()}"}
        reply = await intake.client.post(
            "/v1/channels/webhook/reviews", content=raw, headers=headers
        )
        assert reply.status_code == 201, reply.text
        ids.add(reply.json()["id"])
    assert len(ids) == 1


async def test_no_customer_detail_appears_in_clear_on_any_topic(
    intake: Any, kafka_records: Any
) -> None:
    phone = f"+86137{random.randrange(10**8):08d}"
    email = f"secret{random.randrange(10**9)}@example.com"
    name = "欧阳" + random.choice("娜燕梅丽华") + random.choice("明亮静婷")
    agent = intake.token(Role.agent)
    text = f"我是{name}，电话{phone}，邮箱{email}。燃气泄漏，请尽快处理"
    body = {
        "channel": "phone",
        "kind": "complaint",
        "customer": {"name": name, "phone": phone, "email": email, "address": "北京市东城区1号"},
        "description": text,
        "demand": f"回电{phone[3:]}",
    }
    r = await intake.client.post("/v1/complaints", json=body, headers=agent)
    cid = r.json()["id"]
    assert r.json()["severity"] == "urgent"
    for action, payload in [
        ("acknowledge", {"note": f"called {name}"}),
        ("notes", {"text": f"customer {name} {phone} {email}"}),
        ("await-customer", {"reason": f"waiting for {name} at {phone}"}),
        ("resume", {}),
        ("resolve", {"outcome": "upheld", "basis": f"{name} was right; mailed {email}"}),
    ]:
        r = await intake.client.post(f"/v1/complaints/{cid}/{action}", json=payload, headers=agent)
        assert r.status_code == 200
    await asyncio.to_thread(
        send_mail, intake.app.state.smtp.port, f"{name} <{email}>", "投诉", text
    )
    await kafka_records([LIFECYCLE], key=cid, until=lambda rs: len(rs) >= 6)

    records = await kafka_records([t.name for t in all_topics()])
    assert len(records) >= 6
    needles = [phone.encode(), phone[3:].encode(), email.encode(), name.encode()]
    needles.append(json.dumps(name).strip('"').encode())  # also as a JSON \\u escape
    for record in records:
        blob = b"|".join(
            [record.key or b"", record.value or b"", *(v or b"" for _, v in record.headers)]
        )
        assert not [n for n in needles if n in blob], f"personal data on {record.topic}"
