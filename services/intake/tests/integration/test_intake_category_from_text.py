"""Category from the text over HTTP against the real Kafka and database: a complaint
without a category is classified from its words, the reason is kept on the complaint and
travels on ``ComplaintReceived``; a given category stays, with "given by caller"."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from closeloop_shared.auth import Role
from closeloop_shared.topics import COMPLAINT_LIFECYCLE

pytestmark = pytest.mark.integration


def _body(description: str, **kw: Any) -> dict[str, Any]:
    phone = f"+86137{random.randrange(10**8):08d}"
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {"name": "李雷", "phone": phone},
        "description": description,
    }
    return body | kw


async def _create(intake: Any, body: dict[str, Any]) -> dict[str, Any]:
    reply = await intake.client.post(
        "/v1/complaints", json=body, headers=intake.token(Role.agent, "agent-007")
    )
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


async def test_a_missing_category_is_derived_from_the_text_with_its_reason(
    intake: Any, kafka_records: Any
) -> None:
    created = await _create(intake, _body("快递员把包裹扔在门口就走了，物流信息也不更新"))
    assert created["category"] == "delivery"
    assert created["category_reason"].startswith("delivery terms (keywords ")
    assert "'快递员'" in created["category_reason"]
    records = await kafka_records(
        [COMPLAINT_LIFECYCLE.name], key=created["id"], until=lambda rs: len(rs) >= 1
    )
    received = json.loads(records[0].value)
    assert received["category"] == "delivery"
    assert received["category_reason"] == created["category_reason"]

    english = await _create(intake, _body("My invoice shows a fee I never agreed to"))
    assert english["category"] == "billing" and "'invoice'" in english["category_reason"]
    given = await _create(intake, _body("快递员把包裹扔在门口", category="service_attitude"))
    assert (given["category"], given["category_reason"]) == ("service_attitude", "given by caller")
    fetched = await intake.client.get(
        f"/v1/complaints/{created['id']}", headers=intake.token(Role.agent, "agent-007")
    )
    assert fetched.json()["category_reason"] == created["category_reason"]
