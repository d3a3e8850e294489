"""Helpers to run the insights pieces against the real broker and database (integration
tests, manual runs): a small app with the insights routes and projector on a
``ServiceRuntime``, a watcher of ``feedback.events.v1`` and a bounded poll."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI

from closeloop_feedback.insights.api.deps import report_snapshots
from closeloop_feedback.insights.settings import InsightsSettings
from closeloop_feedback.insights.wiring import (
    INSIGHT_INDEXES,
    INSIGHT_TOPICS,
    insight_consumer,
    insights_router,
    kpi_router,
)
from closeloop_feedback.testing import EventWatcher, skip_history
from closeloop_feedback.testing import eventually as poll_until
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.http.app import create_app
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.runtime import ServiceRuntime
from closeloop_shared.topics import all_topics

T = TypeVar("T")
GROUP_SUFFIX = "insights"


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within_s: float = 60.0, what: str = "condition"
) -> T:
    """The feedback tests' bounded poll, with the longer default the projector needs."""
    return await poll_until(probe, within_s=within_s, what=what)


@dataclass
class InsightsUnderTest:
    """The insights routes and projector running on a real broker and database."""

    app: FastAPI
    runtime: ServiceRuntime
    settings: InsightsSettings
    client: httpx.AsyncClient
    producer: EventProducer
    watcher: EventWatcher

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
        # reports answer from the data as it is now, like the tests expect
        "report_fresh_s": 0,
        "report_stale_s": 0,
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
    app.state.report_snapshots = report_snapshots(settings)
    producer = EventProducer(settings.kafka_bootstrap, client_id="insights-test")
    watcher = EventWatcher(settings.kafka_bootstrap)
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
