"""Intake over HTTP against the real Kafka and SecantusDB: create, idempotency, lifecycle,
concurrency, listing, duplicates and the timeline."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from closeloop_shared.auth import Role
from closeloop_shared.topics import COMPLAINT_LIFECYCLE, COMPLAINTS_PUBLIC

pytestmark = pytest.mark.integration
LIFECYCLE, PUBLIC = COMPLAINT_LIFECYCLE.name, COMPLAINTS_PUBLIC.name


def new_body(**kw: Any) -> dict[str, Any]:
    phone = f"+86139{random.randrange(10**8):08d}"
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {"name": "张伟", "phone": phone, "email": f"zw{phone[-6:]}@example.com"},
        "description": "账单重复扣费两次",
        "demand": "退还重复扣款",
        "category": "billing",
        "received_by": "agent-007",
    }
    return body | kw


def headers_of(record: Any) -> dict[str, str]:
    return {k: (v or b"").decode() for k, v in record.headers}


async def create(intake: Any, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    r = await intake.client.post(
        "/v1/complaints", json=body, headers=intake.token(Role.agent, "agent-007") | headers
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_created_complaint_is_announced_once_with_cloudevents_headers(
    intake: Any, kafka_records: Any
) -> None:
    created = await create(intake, new_body())
    cid = created["id"]
    assert (created["status"], created["version"]) == ("received", 1)
    assert created["severity"] == "major" and "重复扣费" in created["severity_reason"]
    assert created["first_contact_owner"] == "agent-007"

    lifecycle = await kafka_records([LIFECYCLE], key=cid, until=lambda rs: len(rs) >= 1)
    public = await kafka_records([PUBLIC], key=cid, until=lambda rs: len(rs) >= 1)
    assert len(lifecycle) == 1 and len(public) == 1
    headers = headers_of(lifecycle[0])
    assert headers["ce_type"] == "closeloop.intake.complaint.received.v1"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_subject"] == cid and headers["ce_source"] == "/closeloop/intake"
    assert headers["ce_id"] and headers["ce_time"] and headers["content-type"]
    assert headers_of(public[0])["ce_type"] == "closeloop.public.complaint.changed.v1"


async def test_the_same_idempotency_key_gives_one_complaint(intake: Any) -> None:
    body = new_body()
    first = await create(intake, body, **{"Idempotency-Key": "retry-1"})
    r = await intake.client.post(
        "/v1/complaints",
        json=body,
        headers=intake.token(Role.agent, "agent-007") | {"Idempotency-Key": "retry-1"},
    )
    assert r.status_code == 201 and r.json()["id"] == first["id"]
    assert r.headers["Idempotent-Replayed"] == "true"
    mongo: AsyncMongoClient[Any] = intake.runtime.client
    db = mongo[intake.settings.database_name]
    phone_pseudonym = first["customer"]["pseudonym"]
    assert await db.complaints.count_documents({"customer_pseudonym": phone_pseudonym}) == 1

    changed = body | {"demand": "另外赔偿", "severity": "urgent"}
    r = await intake.client.post(
        "/v1/complaints",
        json=changed,
        headers=intake.token(Role.agent, "agent-007") | {"Idempotency-Key": "retry-1"},
    )
    assert r.status_code == 409
    assert {f["field"] for f in r.json()["fields"]} == {"demand", "severity"}

    invalid = body | {"category": "no-such-category"}
    r = await intake.client.post(
        "/v1/complaints",
        json=invalid,
        headers=intake.token(Role.agent, "agent-007") | {"Idempotency-Key": "retry-1"},
    )
    assert r.status_code == 409  # a conflict with the first request, not a new judgement
    assert {f["field"] for f in r.json()["fields"]} == {"category"}
    assert await db.complaints.count_documents({"customer_pseudonym": phone_pseudonym}) == 1


async def test_lifecycle_over_http_refuses_illegal_actions_and_accepts_legal_ones(
    intake: Any, kafka_records: Any
) -> None:
    cid = (await create(intake, new_body()))["id"]
    agent = intake.token(Role.agent, "agent-007")

    async def act(action: str, body: Any = None, headers: Any = agent) -> Any:
        return await intake.client.post(
            f"/v1/complaints/{cid}/{action}", json=body, headers=headers
        )

    r = await act("close")
    assert r.status_code == 409
    assert r.json()["allowed_actions"] == ["acknowledge", "notes", "contact", "extend"]
    assert (await act("reopen", {"reason": "x"}, intake.token(Role.department))).status_code == 404
    assert (await act("acknowledge", {}, intake.token(Role.auditor))).status_code == 403

    assert (await act("acknowledge", {"note": "called back"})).json()["status"] == "acknowledged"
    assert (await act("start")).json()["status"] == "in_progress"
    waiting = await act("await-customer", {"reason": "need the bill"})
    assert waiting.json()["status"] == "awaiting_customer"
    assert (await act("resume")).json()["status"] == "in_progress"
    contact = {"method": "phone", "direction": "outbound", "summary": "explained refund"}
    assert (await act("contact", contact)).status_code == 200
    resolution = {
        "outcome": "upheld",
        "basis": "double charge confirmed",
        "remedy": "refund",
        "compensation_amount": 25.5,
        "currency": "CNY",
    }
    resolved = await act("resolve", resolution)
    assert resolved.status_code == 200 and resolved.json()["resolution"]["outcome"] == "upheld"
    stale = await act("close", {}, agent | {"If-Match": "2"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 7
    closed = await act("close", {}, agent | {"If-Match": "7"})
    assert closed.status_code == 200 and closed.json()["version"] == 8
    assert (await act("archive")).status_code == 403  # agents may not archive
    supervisor = intake.token(Role.supervisor, "sup-1")
    assert (await act("archive", {}, supervisor)).json()["status"] == "archived"
    assert (await act("notes", {"text": "late"})).status_code == 409

    expected = [
        "received", "acknowledged", "started", "awaiting_customer", "resumed",
        "note_added", "resolved", "closed", "archived",
    ]  # fmt: skip
    records = await kafka_records([LIFECYCLE], key=cid, until=lambda rs: len(rs) >= 9)
    assert [headers_of(r)["ce_type"].split(".")[-2] for r in records] == expected
    public = await kafka_records([PUBLIC], key=cid, until=lambda rs: len(rs) >= 9)
    assert len(public) == 9

    timeline = (await intake.client.get(f"/v1/complaints/{cid}/timeline", headers=agent)).json()
    assert [e["change"] for e in timeline["entries"]] == expected
    assert timeline["entries"][1]["details"]["text"] == "called back"


async def test_extension_is_recorded_with_its_reason(intake: Any) -> None:
    cid = (await create(intake, new_body()))["id"]
    body = {"reason": "needs a site visit", "customer_consented": True, "duration": "P2D"}
    r = await intake.client.post(
        f"/v1/complaints/{cid}/extend", json=body, headers=intake.token(Role.agent, "agent-007")
    )
    assert r.status_code == 200
    [extension] = r.json()["extensions"]
    assert (extension["extend_by"], extension["customer_consented"]) == ("P2D", True)


async def test_list_filters_and_paginates_newest_first(intake: Any) -> None:
    marker = f"marker{random.randrange(10**9)}"
    ids = [
        (await create(intake, new_body(description=f"{marker} {i}", kind=kind)))["id"]
        for i, kind in enumerate(["complaint", "suggestion", "complaint", "complaint"])
    ]
    agent = intake.token(Role.agent)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"q": marker, "kind": "complaint", "limit": 2} | (
            {"cursor": cursor} if cursor else {}
        )
        page = (await intake.client.get("/v1/complaints", params=params, headers=agent)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [ids[3], ids[2], ids[0]]


async def test_possible_duplicates_are_linked_not_dropped(intake: Any) -> None:
    body = new_body()
    first = await create(intake, body)
    second = await create(
        intake, body | {"description": "我的账单被重复扣费了两次", "channel": "wechat"}
    )
    assert second["id"] != first["id"]
    assert second["possible_duplicates"] == [first["id"]]
    other = await create(intake, body | {"description": "快递员态度恶劣", "demand": "道歉"})
    assert other["possible_duplicates"] == []


async def test_readers_without_pii_scope_see_masked_contact_data(intake: Any) -> None:
    body = new_body()
    cid = (await create(intake, body))["id"]
    r = await intake.client.get(f"/v1/complaints/{cid}", headers=intake.token(Role.auditor))
    customer = r.json()["customer"]
    assert r.status_code == 200
    assert (customer["name"], customer["phone"], customer["email"]) == (None, None, None)
    assert body["customer"]["phone"] not in r.text
    r = await intake.client.get(f"/v1/complaints/{cid}", headers=intake.token(Role.agent))
    assert r.json()["customer"]["phone"] == body["customer"]["phone"]


async def test_metrics_count_complaints_by_channel_and_open_ones_by_status(intake: Any) -> None:
    await create(intake, new_body(channel="walk_in", severity="low"))
    deadline = time.monotonic() + 30
    while True:
        text = (await intake.client.get("/metrics")).text
        received = (
            'closeloop_complaints_received_total{channel="walk_in",kind="complaint",severity="low"}'
        )
        open_line = [
            line
            for line in text.splitlines()
            if line.startswith('closeloop_complaints_open{status="received"}')
        ]
        if (received in text and open_line and float(open_line[0].split()[-1]) >= 1) or (
            time.monotonic() > deadline
        ):
            break
        await asyncio.sleep(0.2)
    assert received in text
    assert float(open_line[0].split()[-1]) >= 1
    assert "closeloop_complaint_actions_total" in text
    assert "closeloop_outbox_pending" in text
