"""Helpers to run the insights pieces against the real broker and database (integration
tests, manual runs): a small app with the insights routes and projector on a
``ServiceRuntime``, a watcher of ``feedback.events.v1`` and a bounded poll."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI

from closeloop_feedback.insights.settings import InsightsSettings
from closeloop_feedback.insights.wiring import (
    INSIGHT_INDEXES,
    INSIGHT_TOPICS,
    insight_consumer,
    insights_router,
    kpi_router,
)
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.events.envelope import CloudEvent, decode_event
from closeloop_shared.http.app import create_app
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.runtime import ServiceRuntime
from closeloop_shared.topics import FEEDBACK_EVENTS, all_topics

T = TypeVar("T")
GROUP_SUFFIX = "insights"


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within_s: float = 60.0, what: str = "condition"
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``within_s``."""
    deadline = time.monotonic() + within_s
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {within_s} s")
        await asyncio.sleep(0.1)


async def partitions_of(bootstrap: str, topic: str) -> list[TopicPartition]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        return [TopicPartition(topic, p) for p in sorted(await producer.partitions_for(topic))]
    finally:
        await producer.stop()


async def skip_history(bootstrap: str, group: str, topics: list[str]) -> None:
    """Start consumer group ``group`` at the end of the topics (not replaying other tests)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        parts = [tp for topic in topics for tp in await partitions_of(bootstrap, topic)]
        consumer.assign(parts)
        await consumer.seek_to_end(*parts)
        await consumer.commit({tp: await consumer.position(tp) for tp in parts})
    finally:
        await consumer.stop()


@dataclass
class FeedbackWatcher:
    """Collects what is published on ``feedback.events.v1`` from the moment it started."""

    bootstrap: str
    events: list[CloudEvent] = field(default_factory=list)

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None)
        await self._consumer.start()
        parts = await partitions_of(self.bootstrap, FEEDBACK_EVENTS.name)
        self._consumer.assign(parts)
        await self._consumer.seek_to_end(*parts)
        for tp in parts:
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=100)
            for records in batches.values():
                self.events.extend(decode_event(r.value, r.headers) for r in records)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()


@dataclass
class InsightsUnderTest:
    """The insights routes and projector running on a real broker and database."""

    app: FastAPI
    runtime: ServiceRuntime
    settings: InsightsSettings
    client: httpx.AsyncClient
    producer: EventProducer
    watcher: FeedbackWatcher

    def auth(self, role: Role = Role.supervisor, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_dev_token(self.settings, role=role, **kw)}"}


def insights_settings_for(
    kafka_bootstrap: str, mongo_uri: str, unique: str, **overrides: Any
) -> InsightsSettings:
    """Settings with an own database and consumer group; the daily job off by default."""
    short = hashlib.sha256(unique.encode()).hexdigest()[:12]
    values: dict[str, Any] = {
        "service_name": f"fbins-{short}",
        "mongo_db_prefix": "it_",
        "kafka_bootstrap": kafka_bootstrap,
        "mongo_uri": mongo_uri,
        "topic_partitions": 3,
        "report_daily_enabled": False,
    }
    values.update(overrides)
    return InsightsSettings(**values)


@asynccontextmanager
async def start_insights(settings: InsightsSettings) -> AsyncIterator[InsightsUnderTest]:
    """Run the insights pieces in this process until the block ends; drop the database."""
    await ensure_topics(
        settings.kafka_bootstrap, all_topics(), default_partitions=settings.topic_partitions
    )
    group = f"{settings.service_name}-{GROUP_SUFFIX}"
    await skip_history(settings.kafka_bootstrap, group, INSIGHT_TOPICS)
    runtime = ServiceRuntime(settings, indexes=INSIGHT_INDEXES)
    runtime.subscribe(GROUP_SUFFIX, INSIGHT_TOPICS, insight_consumer(runtime.db))
    app = create_app(
        settings=settings,
        title="Closeloop feedback insights (test)",
        routers=[insights_router(), kpi_router()],
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    producer = EventProducer(settings.kafka_bootstrap, client_id="insights-test")
    watcher = FeedbackWatcher(settings.kafka_bootstrap)
    await producer.start()
    await watcher.start()
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            runtime.lifespan(app),
            httpx.AsyncClient(transport=transport, base_url="http://insights.test") as client,
        ):
            try:

                async def assigned() -> bool:
                    return all(c.assigned for c in runtime.consumers)

                await eventually(assigned, what="consumer assignment")
                yield InsightsUnderTest(app, runtime, settings, client, producer, watcher)
            finally:
                await runtime.client.drop_database(settings.database_name)
    finally:
        await watcher.stop()
        await producer.stop()
