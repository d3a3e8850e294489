"""Supervised consumers against the real broker: a dead-letter topic that refuses the record
pauses the partition, fails readiness and asks for a restart (and a real service process
exits non-zero); an outage-like error is retried a bounded time, then dead-lettered; a
consumer that hangs or whose task died fails liveness (``/healthz`` 503)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from closeloop_shared import runtime as runtime_module
from closeloop_shared.events import CloudEvent
from closeloop_shared.events.envelope import header_map
from closeloop_shared.events.intake import ComplaintAcknowledged
from closeloop_shared.http.app import create_app
from closeloop_shared.kafka import EventProducer, ensure_topics
from closeloop_shared.kafka.consumer import ConsumerLoop, Record
from closeloop_shared.runtime import ServiceRuntime
from closeloop_shared.settings import ServiceSettings
from closeloop_shared.topics import TopicSpec

pytestmark = pytest.mark.integration
Names = Callable[[str], str]
HERE = Path(__file__).parent
TINY_DLQ = {"max.message.bytes": "64"}  # the DLQ refuses every real record (deterministic)


def _ack(cid: str) -> CloudEvent:
    body = ComplaintAcknowledged(
        complaint_id=cid, at=datetime.now(UTC), version=2, actor="agent-1", status="acknowledged"
    )
    return CloudEvent.of(body, source="closeloop/test", subject=cid)


async def _topic(bootstrap: str, name: str, dlq_config: dict[str, str] | None = None) -> str:
    specs = [
        TopicSpec(name, "test", partitions=1),
        TopicSpec(f"{name}.dlq", "test dlq", partitions=1, extra_config=dlq_config or {}),
    ]
    await ensure_topics(bootstrap, specs, default_partitions=1)
    return name


async def _until(predicate: Callable[[], Awaitable[bool] | bool], within: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        outcome = predicate()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


@pytest.fixture
def exits(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Restart requests of the runtime, recorded instead of SIGTERMing the test process."""
    asked: list[str] = []
    monkeypatch.setattr(runtime_module, "request_exit", asked.append)
    yield asked


@asynccontextmanager
async def _service(
    bootstrap: str, mongo_uri: str, topic: str, handler: Callable[..., Awaitable[None]], **env: str
) -> AsyncIterator[tuple[ServiceRuntime, httpx.AsyncClient]]:
    settings = ServiceSettings(
        service_name="supervision",
        kafka_bootstrap=bootstrap,
        mongo_uri=mongo_uri,
        provision_topics=False,
        consumer_max_retries=0,
        consumer_retry_backoff_s=0.01,
        consumer_dlq_send_attempts=3,
        **env,  # type: ignore[arg-type]
    )
    runtime = ServiceRuntime(settings)
    runtime.subscribe("loop", [topic], handler)
    app = create_app(settings=settings, title="t", readiness=runtime.readiness)
    async with runtime.lifespan(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield runtime, client


async def test_a_refused_dead_letter_pauses_the_partition_fails_readiness_and_asks_for_exit(
    kafka_bootstrap: str, mongo_uri: str, unique_name: Names, exits: list[str]
) -> None:
    topic = await _topic(kafka_bootstrap, unique_name("dlqfail"), TINY_DLQ)
    handled: list[str] = []

    async def handle(event: CloudEvent, _: Record) -> None:
        if event.subject == "explodes":
            raise RuntimeError("handler bug")
        handled.append(event.subject)

    producer = EventProducer(kafka_bootstrap, client_id="t")
    await producer.start()
    async with _service(kafka_bootstrap, mongo_uri, topic, handle) as (runtime, client):
        await _until(lambda: runtime.consumers[0].assigned)
        assert (await client.get("/readyz")).status_code == 200
        for subject in ("before", "explodes", "after"):
            await producer.publish(_ack(subject), topic=topic)
        await _until(lambda: bool(exits))
        consumer = runtime.consumers[0]
        paused = consumer._consumer.paused()
        ready = await client.get("/readyz")
        group = f"consumer:{consumer.group_id}"
        committed = await consumer._consumer.committed(next(iter(paused)))
    await producer.stop()
    assert [tp.topic for tp in paused] == [topic]
    assert ready.status_code == 503 and ready.json()["checks"][group] is False
    assert handled == ["before"]  # nothing after the stuck record, out of order
    assert committed == 1  # "before" is done; "explodes" (offset 1) will be redelivered
    assert len(exits) == 1 and f"{topic}.dlq" in exits[0]


async def test_an_endless_timeout_error_is_retried_a_bounded_time_then_dead_lettered(
    kafka_bootstrap: str, unique_name: Names
) -> None:
    topic = await _topic(kafka_bootstrap, unique_name("timeout"))
    producer = EventProducer(kafka_bootstrap, client_id="t")
    await producer.start()
    calls: dict[str, int] = {}

    async def handle(event: CloudEvent, _: Record) -> None:
        calls[event.subject] = calls.get(event.subject, 0) + 1
        if event.subject == "times-out":
            raise TimeoutError("the dependency never answers")

    loop = ConsumerLoop(
        bootstrap=kafka_bootstrap,
        group_id=unique_name("group"),
        topics=[topic],
        handler=handle,
        dlq_producer=producer,
        max_retries=2,
        backoff_s=0.01,
        transient_retry_s=0.5,
    )
    await loop.start()
    await producer.publish(_ack("times-out"), topic=topic)
    await producer.publish(_ack("after"), topic=topic)
    await _until(lambda: calls.get("after") == 1)
    await loop.stop()
    dead = await _read_all(kafka_bootstrap, f"{topic}.dlq", unique_name("reader"))
    await producer.stop()
    assert len(dead) == 1
    assert dead[0]["x-dlq-error-type"] == "TimeoutError"
    assert int(dead[0]["x-dlq-attempts"]) == calls["times-out"] > 1


async def _read_all(bootstrap: str, topic: str, group: str) -> list[dict[str, str]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=group
    )
    await consumer.start()
    headers: list[dict[str, str]] = []
    try:

        async def some() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            headers.extend(header_map(r.headers) for rs in batch.values() for r in rs)
            return bool(headers)

        await _until(some)
    finally:
        await consumer.stop()
    return headers


async def test_a_hanging_consumer_fails_liveness(
    kafka_bootstrap: str, mongo_uri: str, unique_name: Names, exits: list[str]
) -> None:
    topic = await _topic(kafka_bootstrap, unique_name("hangs"))
    release = asyncio.Event()

    async def handle(event: CloudEvent, _: Record) -> None:
        if event.subject == "hangs":
            await release.wait()

    producer = EventProducer(kafka_bootstrap, client_id="t")
    await producer.start()
    env = {"consumer_stall_after_s": "0.5"}
    async with _service(kafka_bootstrap, mongo_uri, topic, handle, **env) as (runtime, client):
        await _until(lambda: runtime.consumers[0].assigned)
        await producer.publish(_ack("fine"), topic=topic)
        await asyncio.sleep(1)  # longer than the bound, but caught up: still alive
        idle = await client.get("/healthz")
        await producer.publish(_ack("hangs"), topic=topic)

        async def stalled() -> bool:
            return (await client.get("/healthz")).status_code == 503

        await _until(stalled)
        body = (await client.get("/healthz")).json()
        release.set()

        async def recovered() -> bool:
            return (await client.get("/healthz")).status_code == 200

        await _until(recovered)
    await producer.stop()
    assert idle.status_code == 200 and idle.json()["status"] == "alive"
    assert body["status"] == "stalled" and not all(body["checks"].values())
    assert exits == []


class _Crash(BaseException):
    """Escapes every ``except Exception``: ends the consumer task like an unforeseen bug."""


async def test_a_dead_consumer_task_fails_liveness_and_readiness_is_unaffected_by_idle(
    kafka_bootstrap: str, mongo_uri: str, unique_name: Names, exits: list[str]
) -> None:
    topic = await _topic(kafka_bootstrap, unique_name("dies"))

    async def handle(event: CloudEvent, _: Record) -> None:
        raise _Crash("the consumer task ends here")

    producer = EventProducer(kafka_bootstrap, client_id="t")
    await producer.start()
    async with _service(kafka_bootstrap, mongo_uri, topic, handle) as (runtime, client):
        await _until(lambda: runtime.consumers[0].assigned)
        before = await client.get("/healthz")
        await producer.publish(_ack("any"), topic=topic)
        await _until(lambda: not runtime.consumers[0].alive)
        after = await client.get("/healthz")
    await producer.stop()
    assert before.status_code == 200
    assert after.status_code == 503 and after.json()["status"] == "stalled"


def test_a_service_process_whose_dead_letter_send_fails_exits_non_zero(
    kafka_bootstrap: str, mongo_uri: str, unique_name: Names
) -> None:
    topic = asyncio.run(_topic(kafka_bootstrap, unique_name("exits"), TINY_DLQ))

    async def publish() -> None:
        producer = EventProducer(kafka_bootstrap, client_id="t")
        await producer.start()
        await producer.publish(_ack("explodes"), topic=topic)
        await producer.stop()

    asyncio.run(publish())
    env = {
        **os.environ,
        "CLOSELOOP_ENV": "development",
        "CLOSELOOP_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "CLOSELOOP_MONGO_URI": mongo_uri,
        "CLOSELOOP_PROVISION_TOPICS": "false",
        "CLOSELOOP_CONSUMER_MAX_RETRIES": "0",
        "CLOSELOOP_CONSUMER_RETRY_BACKOFF_S": "0.01",
        "CLOSELOOP_CONSUMER_DLQ_SEND_ATTEMPTS": "2",
        "CLOSELOOP_PORT": "0",
        "TEST_TOPIC": topic,
    }
    proc = subprocess.run(
        [sys.executable, str(HERE / "shared_failing_service_proc.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode != 0, proc.stderr[-2000:]
    assert "stopped for a restart" in proc.stderr and f"{topic}.dlq" in proc.stderr
