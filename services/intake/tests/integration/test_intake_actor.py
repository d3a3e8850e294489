"""Who acted, over HTTP against the real Kafka and database: every lifecycle event names
its actor's subject and the role they acted in."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from closeloop_shared.auth import Role
from closeloop_shared.topics import COMPLAINT_LIFECYCLE

pytestmark = pytest.mark.integration


async def test_lifecycle_events_carry_the_actor_and_role(intake: Any, kafka_records: Any) -> None:
    body = {
        "channel": "phone",
        "kind": "complaint",
        "customer": {"phone": f"+86136{random.randrange(10**8):08d}"},
        "description": "账单重复扣费两次",
        "category": "billing",
    }
    created = await intake.client.post(
        "/v1/complaints", json=body, headers=intake.token(Role.agent, "agent-007")
    )
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    ack = await intake.client.post(
        f"/v1/complaints/{cid}/acknowledge", headers=intake.token(Role.supervisor, "sup-3")
    )
    assert ack.status_code == 200, ack.text
    records = await kafka_records(
        [COMPLAINT_LIFECYCLE.name], key=cid, until=lambda rs: len(rs) >= 2
    )
    acted = [json.loads(r.value)["acted_by"] for r in records]
    assert acted == [
        {"subject": "agent-007", "role": "agent"},
        {"subject": "sup-3", "role": "supervisor"},
    ]
