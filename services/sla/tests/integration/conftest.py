"""Fixtures for the sla integration tests: the real worker process (``python -m
closeloop_sla``) against the session's real Kafka and SecantusDB, a producer of lifecycle
events, and a reader of ``sla.events.v1``.

Each worker gets its own faust app id (consumer group and changelog topic), database and
RocksDB directory. The shared topics hold other tests' events, so before a worker starts,
its consumer group's offsets are committed at the current end of every input topic: the
worker processes exactly what its test produces.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from closeloop_devstack.process import free_port
from closeloop_devstack.service import ServiceProcess, service_argv
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.events import intake
from closeloop_shared.events.envelope import CloudEvent, EventData, decode_event
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.topics import SLA_EVENTS, all_topics
from closeloop_sla.adapters.topic_check import partition_counts
from closeloop_sla.config import SlaSettings
from closeloop_sla.entrypoints.topics import CLOCK_INPUTS

Records = list[ConsumerRecord[bytes, bytes]]
INPUTS = [spec.name for spec in CLOCK_INPUTS]


async def commit_group_at_end(bootstrap: str, group: str, topics: Sequence[str]) -> None:
    """Give ``group`` committed offsets at the current end of ``topics``."""
    await ensure_topics(bootstrap, all_topics(), default_partitions=6)
    counts = await partition_counts(bootstrap, topics)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for topic in topics for p in range(counts[topic])]
        ends = await consumer.end_offsets(parts)
        consumer.assign(parts)
        await consumer.commit({tp: offset for tp, offset in ends.items()})
    finally:
        await consumer.stop()


@dataclass
class SlaUnderTest:
    """A running sla worker process and ways to talk to it."""

    process: ServiceProcess
    env: dict[str, str]
    settings: SlaSettings = field(default_factory=SlaSettings)

    @property
    def url(self) -> str:
        return self.process.url

    def headers(self, role: Role = Role.admin, depts: tuple[str, ...] = ()) -> dict[str, str]:
        token = issue_dev_token(self.settings, role=role, sub=f"test-{role}", departments=depts)
        return {"Authorization": f"Bearer {token}"}

    def client(self, role: Role = Role.admin, depts: tuple[str, ...] = ()) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers=self.headers(role, depts), timeout=30)

    async def add_policies(self, *extra: dict[str, Any], reapply: bool = False) -> httpx.Response:
        """PUT the current policies with ``extra`` added (or replacing the same ids)."""
        async with self.client() as client:
            current = (await client.get("/v1/sla/policies")).json()["policies"]
            ids = {p["id"] for p in extra}
            kept = [{k: v for k, v in p.items() if k != "version"} for p in current]
            body = {"policies": [p for p in kept if p["id"] not in ids] + list(extra)}
            params = {"reapply": "true"} if reapply else {}
            return await client.put("/v1/sla/policies", json=body, params=params)


def quick_policy(policy_id: str, target: str, *, warn_at: Sequence[float] = ()) -> dict[str, Any]:
    """A policy for complaints of category ``policy_id``: a first-response clock, 24×7."""
    return {
        "id": policy_id,
        "priority": 100,
        "match": {"categories": [policy_id]},
        "clocks": [
            {"clock": "first_response", "target": target, "calendar": "24x7", "warn_at": warn_at}
        ],
    }


def sla_env(kafka_bootstrap: str, mongo_uri: str, data_dir: Path) -> dict[str, str]:
    unique = uuid.uuid4().hex[:10]
    return {
        "CLOSELOOP_ENV": "development",
        "CLOSELOOP_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "CLOSELOOP_MONGO_URI": mongo_uri,
        "CLOSELOOP_MONGO_DB_PREFIX": f"t_{unique}_",
        "CLOSELOOP_SLA_APP_ID": f"test-sla-{unique}",
        "CLOSELOOP_SLA_DATA_DIR": str(data_dir),
        "CLOSELOOP_SLA_PORT": str(free_port()),
        "CLOSELOOP_SLA_POLICY_REFRESH_S": "1",
    }


def sla_process(env: dict[str, str], log: Path) -> ServiceProcess:
    port = int(env["CLOSELOOP_SLA_PORT"])
    argv = service_argv("{python} -m {module}", "sla", port)
    return ServiceProcess("sla", port, argv, os.environ | env, log)


async def start_sla(kafka_bootstrap: str, mongo_uri: str, tmp: Path) -> SlaUnderTest:
    """A worker whose group starts at the end of every input topic, ready to serve."""
    env = sla_env(kafka_bootstrap, mongo_uri, tmp / "sla-data")
    await commit_group_at_end(kafka_bootstrap, env["CLOSELOOP_SLA_APP_ID"], INPUTS)
    process = sla_process(env, tmp / "sla.log")
    await asyncio.to_thread(process.start, 180)
    return SlaUnderTest(process, env)


@pytest.fixture(scope="module")
async def sla_worker(
    kafka_bootstrap: str, mongo_uri: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SlaUnderTest]:
    """One worker per test module (start-up joins a group and recovers a table)."""
    worker = await start_sla(kafka_bootstrap, mongo_uri, tmp_path_factory.mktemp("sla"))
    try:
        yield worker
    finally:
        worker.process.stop(timeout=30)


@pytest.fixture
async def publish(kafka_bootstrap: str) -> AsyncIterator[Callable[..., Any]]:
    """``await publish(body, subject=cid)`` or ``await publish(cloud_event)``."""
    producer = EventProducer(kafka_bootstrap, client_id="sla-tests")
    await producer.start()

    async def send(event: EventData | CloudEvent, *, subject: str | None = None) -> CloudEvent:
        if not isinstance(event, CloudEvent):
            cid = subject or str(getattr(event, "complaint_id", ""))
            event = CloudEvent.of(event, source="closeloop/intake", subject=cid)
        await producer.publish(event)
        return event

    yield send
    await producer.stop()


async def read_clock_events(bootstrap: str, subjects: set[str]) -> list[tuple[CloudEvent, Any]]:
    """Every record on ``sla.events.v1`` about ``subjects``: (decoded event, record)."""
    consumer = AIOKafkaConsumer(
        SLA_EVENTS.name, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + 30
        while not consumer.assignment():
            assert time.monotonic() < deadline, "no partitions of sla.events.v1 assigned"
            await asyncio.sleep(0.05)
        parts = sorted(consumer.assignment())
        ends = await consumer.end_offsets(parts)
        found: list[tuple[CloudEvent, Any]] = []
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    subject = dict(record.headers or ()).get("ce_subject", b"").decode()
                    if subject in subjects:
                        found.append((decode_event(record.value, record.headers), record))
        return found
    finally:
        await consumer.stop()


@pytest.fixture
def clock_events(kafka_bootstrap: str) -> Callable[..., Any]:
    """``await clock_events(subjects, until=pred, limit_s=60)``: poll ``sla.events.v1``
    until ``pred(events)`` holds (or the bounded wait ends) and return the events."""

    async def poll(
        subjects: set[str],
        *,
        until: Callable[[list[tuple[CloudEvent, Any]]], bool] = bool,
        limit_s: float = 60,
    ) -> list[tuple[CloudEvent, Any]]:
        deadline = time.monotonic() + limit_s
        while True:
            found = await read_clock_events(kafka_bootstrap, subjects)
            if until(found) or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.3)

    return poll


def of_type(found: list[tuple[CloudEvent, Any]], suffix: str) -> list[tuple[CloudEvent, Any]]:
    """The events whose type ends with ``suffix`` (e.g. ``"breached.v1"``)."""
    return [(e, r) for e, r in found if e.type.endswith(suffix)]


def received(cid: str, at: datetime, category: str, **extra: Any) -> intake.ComplaintReceived:
    """The ``ComplaintReceived`` body intake would publish (contact data left out)."""
    return intake.ComplaintReceived(
        complaint_id=cid,
        at=at,
        received_at=at,
        channel="web",
        kind="complaint",
        category=category,
        severity=extra.pop("severity", "normal"),
        severity_reason="test",
        customer_pseudonym="pseudonym",
        **extra,
    )


def change(kind: type[intake.ChangeEvent], cid: str, at: datetime, **extra: Any) -> EventData:
    """A lifecycle change event (``ComplaintAwaitingCustomer``, ``ComplaintResumed``…)."""
    status = extra.pop("status", "in_progress")
    return kind(complaint_id=cid, at=at, version=extra.pop("version", 2), actor="agent-1",
                status=status, **extra)  # fmt: skip
