"""No personal datum on any topic (DLQs included) or in any service's log: complaints full
of realistic Chinese and English personal data go through the real stack, then every record
and every log line is scanned for them. The sealed original stays readable with pii:read."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import orjson
import pytest
from e2e_env import E2E, auth
from pii_scan import (
    Finding,
    PlantedPerson,
    find_planted,
    log_sources,
    record_text,
    topic_sources,
)

from closeloop_devstack.waiting import eventually
from closeloop_intake.config import DEV_WEBHOOK_SECRET
from closeloop_intake.domain.webhook_signature import signed_headers
from closeloop_shared.auth import Role
from closeloop_shared.pii import is_cn_resident_id, passes_luhn

SUPERVISOR = auth(Role.supervisor, sub="pii-supervisor")


def test_the_scan_finds_planted_data_in_any_form() -> None:
    person = PlantedPerson.make(7)
    assert is_cn_resident_id(person.resident_id)
    assert passes_luhn(person.card.replace(" ", ""))
    sources = [
        ("topic a.dlq offset 3", f'{{"text": "card {person.card.replace(" ", "")}"}}'),
        (
            "log intake line 9",
            f"phone {person.mobile[:3]}-{person.mobile[3:7]}-{person.mobile[7:]}",
        ),
        ("log routing line 1", "nothing here: [phone] [id] [address]"),
        ("topic b offset 0", orjson.dumps({"t": person.name}).decode("ascii", "replace")),
    ]
    found = find_planted(sources, person.data)
    assert Finding("topic a.dlq offset 3", person.card) in found
    assert all(f.where != "log routing line 1" for f in found)

    # JSON escaping hides nothing: a record's strings are searched decoded.
    class Record:
        value = b'{"t": "\\u6b27\\u9633"}'
        key, headers = None, ()

    assert "欧阳" in record_text(Record())


async def _create_by_api(client: httpx.AsyncClient, e2e: E2E, person: PlantedPerson) -> str:
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {"name": person.name, "phone": f"+86{person.mobile}", "email": person.email},
        "description": person.chinese_text,
        "demand": person.english_text,
        "category": "billing",
    }
    headers = auth(Role.channel, sub="pii-portal") | {"Idempotency-Key": str(uuid.uuid4())}
    reply = await client.post(e2e.url("intake", "/v1/complaints"), json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def _create_by_webhook(client: httpx.AsyncClient, e2e: E2E, person: PlantedPerson) -> str:
    raw = orjson.dumps(
        {
            "customer": {"name": person.name, "email": person.other_email},
            "description": person.english_text + " " + person.chinese_text,
            "external_id": f"pii-{uuid.uuid4()}",
        }
    )
    headers = {"Content-Type": "application/json"} | signed_headers(
        DEV_WEBHOOK_SECRET, raw, timestamp=int(time.time())
    )
    url = e2e.url("intake", "/v1/channels/webhook/pii-scan")
    reply = await client.post(url, content=raw, headers=headers)
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


async def _routed(client: httpx.AsyncClient, e2e: E2E, cid: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        reply = await client.get(e2e.url("intake", f"/v1/complaints/{cid}"), headers=SUPERVISOR)
        doc: dict[str, Any] = reply.json()
        return doc if reply.status_code == 200 and doc.get("assignee") else None

    return await eventually(probe, within=90, what=f"{cid} routed and assigned")


@pytest.mark.e2e
async def test_no_planted_personal_datum_reaches_a_topic_or_a_log(e2e: E2E) -> None:
    person = PlantedPerson.make(uuid.uuid4().int % 10**9)
    async with httpx.AsyncClient(timeout=30.0) as client:
        by_api = await _create_by_api(client, e2e, person)
        by_webhook = await _create_by_webhook(client, e2e, person)
        doc = await _routed(client, e2e, by_api)
        owner = auth(Role.agent, sub=doc["assignee"], departments=(doc["department"],))
        url = e2e.url("intake", f"/v1/complaints/{by_api}")
        note = await client.post(f"{url}/notes", json={"text": person.chinese_text}, headers=owner)
        assert note.status_code == 200, note.text
        reason = f"请客户补充：{person.english_text}"
        waiting = await client.post(
            f"{url}/acknowledge", json={"note": person.english_text}, headers=owner
        )
        assert waiting.status_code == 200, waiting.text
        waiting = await client.post(f"{url}/await-customer", json={"reason": reason}, headers=owner)
        assert waiting.status_code == 200, waiting.text
        # An audited reveal publishes who saw the contact data: the scan below covers it too.
        revealed = await client.post(f"{url}/contact/reveal", headers=owner)
        assert revealed.status_code == 200 and revealed.json()["phone"], revealed.text
        await _routed(client, e2e, by_webhook)

        # The sealed original stays for those allowed to read it.
        sealed = (await client.get(url, headers=SUPERVISOR)).json()
        assert sealed["description"] == person.chinese_text
        masked = await client.get(
            url, headers=auth(Role.department, departments=(doc["department"],))
        )
        assert person.resident_id not in masked.text and person.card not in masked.text

        async def waited_state() -> bool:
            clocks = e2e.url("sla", f"/v1/sla/complaints/{by_api}")
            reply = await client.get(clocks, headers=SUPERVISOR)
            found = reply.json().get("clocks", []) if reply.status_code == 200 else []
            return any(c.get("paused") for c in found)

        await eventually(waited_state, within=90, what="the await-customer change consumed")

    topics, names = await topic_sources(e2e.bootstrap)
    assert any(name.endswith(".dlq") for name in names)
    assert len(topics) > 0
    logs = log_sources(e2e)
    assert {where.split()[1] for where, _ in logs} >= {
        "intake",
        "routing",
        "sla",
        "feedback",
        "audit",
    }
    findings = find_planted(topics + logs, person.data)
    assert findings == [], "\n".join(f"{f.datum!r} in {f.where}" for f in findings[:20])
