"""Fixtures for intake's integration tests: the service running in this process against the
session's real Kafka and SecantusDB, dev tokens, and a reader of Kafka topics."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from fastapi import FastAPI

from closeloop_intake.bootstrap import bootstrap
from closeloop_intake.config import IntakeSettings
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.runtime import ServiceRuntime

Records = list[ConsumerRecord[bytes, bytes]]
ReadTopics = Callable[..., Awaitable[Records]]


def intake_settings(kafka_bootstrap: str, mongo_uri: str, **overrides: Any) -> IntakeSettings:
    """Settings for one intake under test: its own database and consumer group."""
    unique = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        "env": "development",
        "service_name": f"intake_{unique}",
        "mongo_db_prefix": "t_",
        "mongo_uri": mongo_uri,
        "kafka_bootstrap": kafka_bootstrap,
        "topic_partitions": 3,
        "inbound_smtp_port": 0,
        "relay_interval_s": 0.1,
        "metrics_interval_s": 0.5,
    }
    return IntakeSettings(**(values | overrides))


@dataclass
class IntakeUnderTest:
    """A running intake: its app, runtime, settings and an HTTP client."""

    app: FastAPI
    runtime: ServiceRuntime
    settings: IntakeSettings
    client: httpx.AsyncClient

    def token(
        self, role: Role, sub: str | None = None, depts: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """Authorization header of a dev token."""
        jwt = issue_dev_token(self.settings, role=role, sub=sub, departments=depts)
        return {"Authorization": f"Bearer {jwt}"}

    async def until_consuming(self, within: float = 60) -> None:
        """Wait until the projection consumer has its partitions."""
        deadline = time.monotonic() + within
        while not all(c.assigned for c in self.runtime.consumers):
            assert time.monotonic() < deadline, "intake consumer never got its partitions"
            await asyncio.sleep(0.2)


async def new_complaint(intake: IntakeUnderTest, headers: dict[str, str], **extra: Any) -> str:
    """Register a web complaint from a new phone number (``extra`` fields added); its id."""
    body = {
        "channel": "web",
        "kind": "complaint",
        "customer": {"name": "张伟", "phone": f"+86139{random.randrange(10**8):08d}"},
        "description": "账单重复扣费两次",
        **extra,
    }
    created = await intake.client.post("/v1/complaints", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def start_intake(settings: IntakeSettings) -> AsyncIterator[IntakeUnderTest]:
    """Run intake's lifespan around the test."""
    app, runtime = bootstrap(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            yield IntakeUnderTest(app, runtime, settings, client)


@pytest.fixture(scope="module")
async def intake(kafka_bootstrap: str, mongo_uri: str) -> AsyncIterator[IntakeUnderTest]:
    """One intake per test module (start-up joins a consumer group, which takes seconds)."""
    async for running in start_intake(intake_settings(kafka_bootstrap, mongo_uri)):
        yield running


async def read_topics(bootstrap: str, topics: Sequence[str]) -> Records:
    """Every record currently on ``topics``, read from the beginning to the end offsets."""
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await probe.start()
    try:
        existing = [t for t in topics if t in await probe.topics()]
    finally:
        await probe.stop()
    if not existing:
        return []
    consumer = AIOKafkaConsumer(
        *existing, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + 30
        while not consumer.assignment():
            assert time.monotonic() < deadline, f"no partitions assigned for {existing}"
            await asyncio.sleep(0.05)
        parts = sorted(consumer.assignment())
        ends = await consumer.end_offsets(parts)
        records: Records = []
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=500)
            for recs in batch.values():
                records.extend(recs)
        return records
    finally:
        await consumer.stop()


@pytest.fixture
def kafka_records(kafka_bootstrap: str) -> ReadTopics:
    """``await kafka_records(topics, key=..., until=pred, within=...)``: poll the topics
    until ``until(records with that key)`` holds (bounded), and return those records."""

    async def read(
        topics: Sequence[str],
        *,
        key: str | None = None,
        until: Callable[[Records], bool] = bool,
        within: float = 30,
    ) -> Records:
        deadline = time.monotonic() + within
        while True:
            records = await read_topics(kafka_bootstrap, topics)
            if key is not None:
                records = [r for r in records if r.key == key.encode()]
            if until(records) or time.monotonic() > deadline:
                return records
            await asyncio.sleep(0.3)

    return read


@pytest.fixture(scope="module")
async def producer(kafka_bootstrap: str) -> AsyncIterator[EventProducer]:
    """A producer of other services' events (routing, SLA, feedback) for intake to project."""
    p = EventProducer(kafka_bootstrap, client_id=f"intake-test-{uuid.uuid4().hex[:8]}")
    await p.start()
    yield p
    await p.stop()
