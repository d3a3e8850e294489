"""Helpers to exercise feedback against the real broker, database and SMTP sink (used by
the integration tests and for manual runs): the service in-process with an HTTP client, a
watcher of ``feedback.events.v1`` and factories of the intake events feedback consumes."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI

from closeloop_feedback.bootstrap import bootstrap
from closeloop_feedback.config import FeedbackSettings
from closeloop_feedback.container import Feedback
from closeloop_feedback.entrypoints.consumers import CONSUMED_TOPICS, STAFF_TOPICS
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.crypto import Sealer
from closeloop_shared.events.common import Channel, Kind, Severity, Status
from closeloop_shared.events.envelope import CloudEvent, decode_event, source_of
from closeloop_shared.events.intake import (
    ComplaintAcknowledged,
    ComplaintReceived,
    ComplaintResolved,
)
from closeloop_shared.events.routing import ComplaintAssigned, ComplaintRouted
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.runtime import ServiceRuntime
from closeloop_shared.topics import FEEDBACK_EVENTS, all_topics

T = TypeVar("T")
SURVEY_LINK = re.compile(r"https?://\S+/v1/surveys/(\S+)")
PUBLIC_URL = "http://feedback.test"


def new_complaint_id() -> str:
    return f"cmp-{uuid.uuid4().hex[:12]}"


def received(
    cid: str,
    settings: FeedbackSettings,
    *,
    email: str | None = None,
    phone: str | None = None,
    language: str = "en",
    channel: str = "web",
    name: str | None = "Li Lei",
    severity: str = "normal",
) -> CloudEvent:
    """``ComplaintReceived`` as intake publishes it, contact sealed."""
    now = datetime.now(UTC)
    contact = {
        "name": name,
        "phone": phone,
        "email": email,
        "address": None,
        "customer_id": None,
        "language": language,
    }
    methods: list[Any] = [m for m, v in (("email", email), ("phone", phone)) if v]
    body = ComplaintReceived(
        complaint_id=cid,
        at=now,
        received_at=now,
        channel=Channel(channel),
        kind=Kind.complaint,
        category="billing",
        severity=Severity(severity),
        severity_reason="test",
        customer_pseudonym=f"cust_{uuid.uuid4().hex[:8]}",
        language=language,
        contact_methods=methods,
        customer_sealed=Sealer(settings.pii_key).seal(contact, context="customer"),
    )
    return CloudEvent.of(body, source=source_of("intake"), subject=cid)


def acknowledged(cid: str, version: int = 2) -> CloudEvent:
    body = ComplaintAcknowledged(
        complaint_id=cid,
        at=datetime.now(UTC),
        version=version,
        actor="agent-7",
        status=Status.acknowledged,
    )
    return CloudEvent.of(body, source=source_of("intake"), subject=cid)


def resolved(cid: str, version: int = 3, basis: str = "Tariff rule 4.2") -> CloudEvent:
    body = ComplaintResolved(
        complaint_id=cid,
        at=datetime.now(UTC),
        version=version,
        actor="agent-7",
        status=Status.resolved,
        outcome="upheld",
        basis=basis,
        remedy="Refund of the duplicate charge",
    )
    return CloudEvent.of(body, source=source_of("intake"), subject=cid)


def assigned(cid: str, department: str, agent: str) -> CloudEvent:
    body = ComplaintAssigned(
        complaint_id=cid, at=datetime.now(UTC), department=department, assignee=agent
    )
    return CloudEvent.of(body, source="closeloop.routing", subject=cid)


def routed(cid: str, department: str) -> CloudEvent:
    body = ComplaintRouted(
        complaint_id=cid,
        at=datetime.now(UTC),
        department=department,
        rule_set_version=1,
        reason="test",
    )
    return CloudEvent.of(body, source=source_of("routing"), subject=cid)


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, within_s: float = 30.0, what: str = "condition"
) -> T:
    """Poll ``probe`` until it returns something truthy; fail after ``within_s``."""
    deadline = time.monotonic() + within_s
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {within_s} s")
        await asyncio.sleep(0.05)


async def partitions_of(bootstrap: str, topic: str) -> list[TopicPartition]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        return [TopicPartition(topic, p) for p in sorted(await producer.partitions_for(topic))]
    finally:
        await producer.stop()


async def skip_history(bootstrap: str, group: str, topics: list[str]) -> None:
    """Start a new consumer group at the end of the shared topics, so it does not replay
    what other tests published."""
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
    """Collects what is published on ``feedback.events.v1`` from the moment it started."""

    bootstrap: str
    topic: str = FEEDBACK_EVENTS.name
    events: list[CloudEvent] = field(default_factory=list)

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
            for records in batches.values():
                self.events.extend(decode_event(r.value, r.headers) for r in records)

    async def stop(self) -> None:
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    def of(self, cid: str, kind: str | None = None) -> list[CloudEvent]:
        """Events about ``cid`` whose type contains ``.<kind>.`` (e.g. ``survey.answered``)."""
        return [
            e for e in self.events if e.subject == cid and (kind is None or f".{kind}." in e.type)
        ]


@dataclass
class FeedbackUnderTest:
    """A running feedback service and what tests need around it."""

    app: FastAPI
    runtime: ServiceRuntime
    feedback: Feedback
    settings: FeedbackSettings
    client: httpx.AsyncClient
    producer: EventProducer
    watcher: EventWatcher

    async def send(self, *events: CloudEvent) -> None:
        await self.producer.publish_many(events)

    def auth(self, role: Role = Role.agent, **kw: Any) -> dict[str, str]:
        """Headers with a development bearer token for ``role``."""
        return {"Authorization": f"Bearer {issue_dev_token(self.settings, role=role, **kw)}"}

    async def surveys(self, cid: str) -> list[dict[str, Any]]:
        reply = await self.client.get(f"/v1/complaints/{cid}/surveys", headers=self.auth())
        assert reply.status_code == 200, reply.text
        result: list[dict[str, Any]] = reply.json()
        return result

    async def notifications(self, cid: str) -> list[dict[str, Any]]:
        reply = await self.client.get(f"/v1/complaints/{cid}/notifications", headers=self.auth())
        assert reply.status_code == 200, reply.text
        result: list[dict[str, Any]] = reply.json()
        return result


def settings_for(
    kafka_bootstrap: str, mongo_uri: str, unique: str, **overrides: Any
) -> FeedbackSettings:
    """Settings isolating one test (own database and consumer group) with fast timers."""
    short = hashlib.sha256(unique.encode()).hexdigest()[:12]  # database names are short
    values: dict[str, Any] = {
        "service_name": f"feedback-{short}",
        "mongo_db_prefix": "it_",
        "kafka_bootstrap": kafka_bootstrap,
        "mongo_uri": mongo_uri,
        "topic_partitions": 3,
        "feedback_public_url": PUBLIC_URL,
        "worker_poll_s": 0.1,
        "notify_backoff_base_s": 0.2,
        "notify_backoff_max_s": 1.0,
        "csat_refresh_s": 0.5,
        # reports answer from the data as it is now, like the tests expect
        "report_fresh_s": 0,
        "report_stale_s": 0,
    }
    values.update(overrides)
    return FeedbackSettings(**values)


@asynccontextmanager
async def start_feedback(settings: FeedbackSettings) -> AsyncIterator[FeedbackUnderTest]:
    """Run feedback in this process until the block ends, then drop its database."""
    await ensure_topics(
        settings.kafka_bootstrap, all_topics(), default_partitions=settings.topic_partitions
    )
    await skip_history(settings.kafka_bootstrap, f"{settings.service_name}-loop", CONSUMED_TOPICS)
    await skip_history(settings.kafka_bootstrap, f"{settings.service_name}-staff", STAFF_TOPICS)
    app, runtime = bootstrap(settings)
    producer = EventProducer(settings.kafka_bootstrap, client_id="feedback-test")
    watcher = EventWatcher(settings.kafka_bootstrap)
    await producer.start()
    await watcher.start()
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            runtime.lifespan(app),
            httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client,
        ):
            try:
                await eventually(_assigned(runtime), what="consumer assignment")
                yield FeedbackUnderTest(
                    app, runtime, app.state.feedback, settings, client, producer, watcher
                )
            finally:
                await runtime.client.drop_database(settings.database_name)
    finally:
        await watcher.stop()
        await producer.stop()


def _assigned(runtime: ServiceRuntime) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return all(c.assigned for c in runtime.consumers)

    return probe


class Gateway:
    """A provider's HTTP endpoint (SMS gateway, chat webhook): records each request's
    headers, query and JSON body, and answers with ``status`` and ``reply``."""

    def __init__(self) -> None:
        self.status = 200
        self.reply = b""
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.queries: list[dict[str, list[str]]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                gateway.requests.append((dict(self.headers), body))
                gateway.queries.append(parse_qs(urlsplit(self.path).query))
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(gateway.reply)))
                self.end_headers()
                self.wfile.write(gateway.reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
