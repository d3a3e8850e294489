"""Revealing contact data through intake: refused without ``pii:read``, and each reveal is
announced (who, when, which fields; never the data) on the lifecycle topic the audit
service chains."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from closeloop_shared.auth import Role
from closeloop_shared.topics import COMPLAINT_LIFECYCLE

pytestmark = pytest.mark.integration
REVEALED = "closeloop.intake.complaint.contact_revealed.v1"
PHONE, EMAIL = "+8613900112233", "reveal-me@example.com"


async def _complaint(intake: Any) -> str:
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {"name": "李娜", "phone": PHONE, "email": EMAIL},
        "description": "账单重复扣费两次",
        "category": "billing",
        "received_by": "agent-007",
    }
    r = await intake.client.post(
        "/v1/complaints", json=body, headers=intake.token(Role.agent, "agent-007")
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_reveal_without_pii_read_is_refused_and_announces_nothing(
    intake: Any, kafka_records: Any
) -> None:
    cid = await _complaint(intake)
    r = await intake.client.post(
        f"/v1/complaints/{cid}/contact/reveal", headers=intake.token(Role.auditor, "aud-1")
    )
    assert r.status_code == 403, r.text
    assert r.json()["error"] == "pii_read_required"
    missing = await intake.client.post(
        "/v1/complaints/CMP-20260101-0000000000/contact/reveal",
        headers=intake.token(Role.supervisor, "sup-1"),
    )
    assert missing.status_code == 404
    records = await kafka_records([COMPLAINT_LIFECYCLE.name], key=cid, until=lambda rs: len(rs) > 0)
    types = [dict(rec.headers)["ce_type"].decode() for rec in records]
    assert REVEALED not in types


async def test_reveal_returns_contact_in_clear_and_announces_who_without_the_data(
    intake: Any, kafka_records: Any
) -> None:
    cid = await _complaint(intake)
    r = await intake.client.post(
        f"/v1/complaints/{cid}/contact/reveal", headers=intake.token(Role.supervisor, "sup-7")
    )
    assert r.status_code == 200, r.text
    assert (r.json()["phone"], r.json()["email"], r.json()["name"]) == (PHONE, EMAIL, "李娜")

    def revealed(records: list[Any]) -> list[Any]:
        return [rec for rec in records if dict(rec.headers)["ce_type"] == REVEALED.encode()]

    records = await kafka_records(
        [COMPLAINT_LIFECYCLE.name], key=cid, until=lambda rs: len(revealed(rs)) > 0
    )
    [event] = revealed(records)
    body = orjson.loads(event.value)
    assert body["actor"] == "sup-7" and body["complaint_id"] == cid
    assert body["acted_by"] == {"subject": "sup-7", "role": "supervisor"}
    assert sorted(body["fields"]) == ["email", "name", "phone"]
    for secret in (PHONE, EMAIL, "李娜", PHONE[-8:]):
        assert secret not in event.value.decode(), secret
    timeline = (
        await intake.client.get(
            f"/v1/complaints/{cid}/timeline", headers=intake.token(Role.supervisor, "sup-7")
        )
    ).json()
    assert "contact_revealed" in [e["change"] for e in timeline["entries"]]
