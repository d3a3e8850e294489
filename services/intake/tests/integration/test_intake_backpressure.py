"""Load shedding against the real broker: while a downstream consumer group is more than the
bound behind on the lifecycle topic, intake answers 429 with Retry-After and registers
nothing; once the group catches up, the same request (same Idempotency-Key) is accepted."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from prometheus_client import REGISTRY

from closeloop_intake.bootstrap import bootstrap
from closeloop_intake.config import IntakeSettings
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.kafka.backlog import GroupBacklog
from closeloop_shared.topics import COMPLAINT_LIFECYCLE

pytestmark = pytest.mark.integration
LIFECYCLE = COMPLAINT_LIFECYCLE.name
BOUND = 3


def new_body() -> dict[str, Any]:
    phone = f"+86139{uuid.uuid4().int % 10**8:08d}"
    return {
        "channel": "web",
        "kind": "complaint",
        "customer": {"name": "张伟", "phone": phone},
        "description": f"账单重复扣费两次 {uuid.uuid4().hex}",
        "category": "billing",
        "received_by": "agent-007",
    }


class SlowGroup:
    """A consumer group that commits only when told to: a stand-in for a stalled routing."""

    def __init__(self, bootstrap: str) -> None:
        self.group = f"slow-{uuid.uuid4().hex[:8]}"
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=self.group, enable_auto_commit=False
        )

    async def catch_up(self, backlog: GroupBacklog) -> None:
        """Commit the topic's current end offsets: nothing left behind."""
        parts = await backlog.partitions()
        assert parts, "the lifecycle topic has no partitions yet"
        if not self.consumer.assignment():
            self.consumer.assign(parts)
        ends = await self.consumer.end_offsets(parts)
        await self.consumer.commit(dict(ends.items()))


@pytest.fixture
async def slow_group(kafka_bootstrap: str) -> AsyncIterator[SlowGroup]:
    slow = SlowGroup(kafka_bootstrap)
    await slow.consumer.start()
    try:
        yield slow
    finally:
        await slow.consumer.stop()


async def _wait_for(predicate: Any, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, "condition never held"
        await asyncio.sleep(0.05)


async def test_intake_sheds_load_with_429_while_a_downstream_group_is_behind(
    kafka_bootstrap: str, mongo_uri: str, slow_group: SlowGroup
) -> None:
    settings = IntakeSettings(
        env="development",
        service_name=f"intake_{uuid.uuid4().hex[:10]}",
        mongo_db_prefix="t_",
        mongo_uri=mongo_uri,
        kafka_bootstrap=kafka_bootstrap,
        topic_partitions=3,
        inbound_smtp_port=0,
        relay_interval_s=0.1,
        backpressure_max_behind=BOUND,
        backpressure_groups=[slow_group.group],
        backpressure_interval_s=0.1,
        backpressure_retry_after_s=3,
    )
    app, _runtime = bootstrap(settings)
    token = issue_dev_token(settings, role=Role.agent, sub="agent-007")
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i") as client,
    ):
        await slow_group.catch_up(app.state.admission.backlog)
        admission = app.state.admission
        await _wait_for(lambda: admission.backlog.behind == 0)

        accepted = 0
        for _ in range(BOUND + 1):  # each complaint puts one event behind the slow group
            resp = await client.post("/v1/complaints", json=new_body(), headers=headers)
            assert resp.status_code == 201, resp.text
            accepted += 1
        await _wait_for(lambda: (admission.backlog.behind or 0) > BOUND)
        gauge = REGISTRY.get_sample_value("closeloop_intake_pipeline_behind_records")
        assert gauge is not None and gauge > BOUND, "the gauge does not follow the reading"

        key = str(uuid.uuid4())
        body = new_body()
        refused = await client.post(
            "/v1/complaints", json=body, headers=headers | {"Idempotency-Key": key}
        )
        assert refused.status_code == 429, refused.text
        assert refused.headers["Retry-After"] == "3"
        assert refused.json()["error"] == "overloaded"
        listed = await client.get("/v1/complaints?limit=200", headers=headers)
        assert len(listed.json()["items"]) == accepted, "a refused complaint was registered"

        await slow_group.catch_up(app.state.admission.backlog)
        await _wait_for(lambda: admission.backlog.behind == 0)
        retried = await client.post(
            "/v1/complaints", json=body, headers=headers | {"Idempotency-Key": key}
        )
        assert retried.status_code == 201, retried.text
        assert "Idempotent-Replayed" not in retried.headers
