"""Helpers to exercise routing against the real broker and database, shared by the
integration tests and the latency benchmark: a routing service in-process, a watcher of
``routing.events.v1`` and a factory of ``ComplaintReceived`` events."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI

from closeloop_routing.bootstrap import bootstrap
from closeloop_routing.config import RoutingSettings
from closeloop_routing.entrypoints.consumers import CONSUMED_TOPICS
from closeloop_routing.service.configuration import replace_departments, replace_rule_set
from closeloop_routing.service.context import RoutingContext
from closeloop_shared.events.common import Channel, Kind, Severity
from closeloop_shared.events.envelope import CloudEvent, decode_event
from closeloop_shared.events.intake import ComplaintReceived
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.runtime import ServiceRuntime
from closeloop_shared.topics import ROUTING_EVENTS, all_topics


def complaint_received(
    cid: str | None = None,
    *,
    category: str = "billing",
    severity: str = "normal",
    text: str = "账单重复扣费两次",
    received_by: str | None = "cs-agent-1",
    kind: str = "complaint",
) -> CloudEvent:
    """A ``ComplaintReceived`` event as intake would publish it."""
    cid = cid or f"c-{uuid.uuid4().hex[:12]}"
    now = datetime.now(UTC)
    body = ComplaintReceived(
        complaint_id=cid,
        at=now,
        received_at=now,
        channel=Channel.web,
        kind=Kind(kind),
        category=category,
        severity=Severity(severity),
        severity_reason="test",
        customer_pseudonym="p-1",
        text=text,
        received_by=received_by,
    )
    return CloudEvent.of(body, source="closeloop/intake", subject=cid)


async def until(check: Callable[[], Awaitable[bool]], within_s: float = 60.0) -> None:
    """Poll ``check`` until it holds; raise ``TimeoutError`` after ``within_s`` seconds."""
    deadline = time.monotonic() + within_s
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached in time")
        await asyncio.sleep(0.05)


async def partitions_of(bootstrap: str, topic: str) -> list[TopicPartition]:
    """Every partition of ``topic`` (a producer waits for the topic's metadata)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        return [TopicPartition(topic, p) for p in sorted(await producer.partitions_for(topic))]
    finally:
        await producer.stop()


async def skip_history(bootstrap: str, group: str, topics: list[str]) -> None:
    """Commit the group's offsets at the end of ``topics``, so a new consumer group does
    not replay what other tests published on the shared topics."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [tp for topic in topics for tp in await partitions_of(bootstrap, topic)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        await consumer.commit({tp: await consumer.position(tp) for tp in partitions})
    finally:
        await consumer.stop()


@dataclass
class EventWatcher:
    """Collects the events published on a topic from the moment it started."""

    bootstrap: str
    topic: str = ROUTING_EVENTS.name
    events: list[tuple[float, CloudEvent]] = field(default_factory=list)
    by_subject: dict[str, list[CloudEvent]] = field(default_factory=dict)

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None)
        await self._consumer.start()
        parts = await partitions_of(self.bootstrap, self.topic)
        self._consumer.assign(parts)
        await self._consumer.seek_to_end(*parts)
        for tp in parts:
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=100)
            now = time.monotonic()
            for records in batches.values():
                for record in records:
                    event = decode_event(record.value, record.headers)
                    self.events.append((now, event))
                    self.by_subject.setdefault(event.subject, []).append(event)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    def of(self, cid: str, kind: str | None = None) -> list[CloudEvent]:
        """Events about complaint ``cid`` (of type ending in ``.<kind>.v1``), in order."""
        found: dict[str, CloudEvent] = {}  # by id: a re-sent event counts once
        for event in self.by_subject.get(cid, ()):
            if kind is None or event.type.endswith(f".{kind}.v1"):
                found.setdefault(event.id, event)
        return list(found.values())

    def data(self, cid: str, kind: str) -> list[Any]:
        return [e.data for e in self.of(cid, kind)]


@dataclass
class RoutingUnderTest:
    """A running routing service and what tests need around it."""

    app: FastAPI
    runtime: ServiceRuntime
    ctx: RoutingContext
    producer: EventProducer
    watcher: EventWatcher

    async def send(self, *events: CloudEvent) -> None:
        await self.producer.publish_many(events)


def settings_for(
    kafka_bootstrap: str, mongo_uri: str, unique_name: str, **overrides: Any
) -> RoutingSettings:
    """Settings isolating one test: its own database and consumer group."""
    defaults: dict[str, Any] = {
        "topic_partitions": 3,
        "routing_queue_sweep_s": 0.5,
        "routing_consumers": 2,
        "routing_outbox_grace_s": 1.0,
    }
    return RoutingSettings(
        service_name=f"routing_{unique_name}",
        mongo_db_prefix="it_",
        kafka_bootstrap=kafka_bootstrap,
        mongo_uri=mongo_uri,
        **(defaults | overrides),
    )


async def start_routing(settings: RoutingSettings) -> AsyncIterator[RoutingUnderTest]:
    await ensure_topics(
        settings.kafka_bootstrap, all_topics(), default_partitions=settings.topic_partitions
    )
    await skip_history(
        settings.kafka_bootstrap, f"{settings.service_name}-decisions", CONSUMED_TOPICS
    )
    app, runtime = bootstrap(settings)
    producer = EventProducer(settings.kafka_bootstrap, client_id="routing-test")
    watcher = EventWatcher(settings.kafka_bootstrap)
    await producer.start()
    await watcher.start()
    try:
        async with runtime.lifespan(app):
            try:
                await until(lambda: _assigned(runtime))
                yield RoutingUnderTest(app, runtime, app.state.routing, producer, watcher)
            finally:
                await app.state.routing.agents.flush_cursors()
                await runtime.client.drop_database(settings.database_name)
    finally:
        await watcher.stop()
        await producer.stop()


async def _assigned(runtime: ServiceRuntime) -> bool:
    return all(c.assigned for c in runtime.consumers)


async def route_everything_to(
    ctx: RoutingContext, department: str, members: list[str], capacity: int
) -> None:
    """Add ``department`` (supervisor ``<id>-sup``, leader ``<id>-lead``) with ``members``
    at ``capacity`` each, and make it the default of an empty rule set."""
    departments = [dict(d) for d in ctx.config.current.departments_raw]
    departments.append(
        {
            "id": department,
            "name": department.title(),
            "members": members,
            "supervisor": f"{department}-sup",
            "leader": f"{department}-lead",
        }
    )
    await replace_departments(ctx, departments, by="test")
    await replace_rule_set(ctx, {"default_department": department, "rules": []}, by="test")
    for agent in members:
        await ctx.agents.update(agent, {"capacity": capacity})
