"""The Kafka adapters against the real broker: round trip with CloudEvents headers, the
dead-letter path, and redelivery after a crash before commit with no double effect."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from closeloop_shared.events import CloudEvent
from closeloop_shared.events.envelope import header_map
from closeloop_shared.events.intake import ComplaintAcknowledged
from closeloop_shared.kafka import ConsumerLoop, EventProducer, ensure_topics
from closeloop_shared.kafka.consumer import Record
from closeloop_shared.mongo import connect
from closeloop_shared.topics import TopicSpec

pytestmark = pytest.mark.integration
Names = Callable[[str], str]
HERE = Path(__file__).parent


def _ack(cid: str) -> CloudEvent:
    body = ComplaintAcknowledged(
        complaint_id=cid, at=datetime.now(UTC), version=2, actor="agent-1", status="acknowledged"
    )
    return CloudEvent.of(body, source="closeloop/test", subject=cid)


async def _topic(bootstrap: str, name: str) -> str:
    spec = TopicSpec(name, "test")
    await ensure_topics(bootstrap, [spec, TopicSpec(spec.dlq, "test dlq")], default_partitions=2)
    return name


async def _until(predicate: Callable[[], Awaitable[bool]], within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def test_round_trip_carries_cloudevents_headers(
    kafka_bootstrap: str, unique_name: Names
) -> None:
    topic = await _topic(kafka_bootstrap, unique_name("rt"))
    producer = EventProducer(kafka_bootstrap, client_id="t")
    await producer.start()
    seen: list[tuple[CloudEvent, Record]] = []

    async def handle(event: CloudEvent, record: Record) -> None:
        seen.append((event, record))

    loop = ConsumerLoop(
        bootstrap=kafka_bootstrap,
        group_id=unique_name("group"),
        topics=[topic],
        handler=handle,
        dlq_producer=producer,
    )
    await loop.start()
    sent = _ack("c-42")
    await producer.publish(sent, topic=topic)

    async def arrived() -> bool:
        return len(seen) == 1

    await _until(arrived)
    await loop.stop()
    await producer.stop()
    event, record = seen[0]
    headers = header_map(record.headers)
    assert event.id == sent.id and event.data == sent.data
    assert headers["ce_type"] == "closeloop.intake.complaint.acknowledged.v1"
    assert headers["ce_specversion"] == "1.0" and headers["ce_subject"] == "c-42"
    assert headers["content-type"] == "application/json"
    assert record.key == b"c-42"


async def test_poison_and_failing_records_go_to_the_dlq_and_the_partition_flows(
    kafka_bootstrap: str, unique_name: Names
) -> None:
    topic = await _topic(kafka_bootstrap, unique_name("poison"))
    producer = EventProducer(kafka_bootstrap, client_id="t")
    await producer.start()
    handled: list[str] = []

    async def handle(event: CloudEvent, record: Record) -> None:
        if event.subject == "explodes":
            raise RuntimeError("handler bug")
        handled.append(event.subject)

    loop = ConsumerLoop(
        bootstrap=kafka_bootstrap,
        group_id=unique_name("group"),
        topics=[topic],
        handler=handle,
        dlq_producer=producer,
        max_retries=2,
        backoff_s=0.01,
    )
    await loop.start()
    # One partition key for all three so ordering proves the partition kept flowing.
    await producer.send_raw(topic, b"{not json", key=b"k", headers=[("ce_id", b"p1")])
    await producer.publish(
        CloudEvent.of(_ack("explodes").data, source="t", subject="explodes"), topic=topic
    )
    await producer.publish(_ack("after"), topic=topic)

    async def flowed() -> bool:
        return handled == ["after"]

    await _until(flowed)
    await loop.stop()

    consumer = AIOKafkaConsumer(
        f"{topic}.dlq",
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        group_id=unique_name("dlqreader"),
    )
    await consumer.start()
    dead: list[dict[str, str]] = []
    try:

        async def two_dead() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            dead.extend(header_map(r.headers) for rs in batch.values() for r in rs)
            return len(dead) >= 2

        await _until(two_dead)
    finally:
        await consumer.stop()
        await producer.stop()
    by_type = {d["x-dlq-error-type"]: d for d in dead}
    assert set(by_type) == {"InvalidEvent", "RuntimeError"}
    assert "missing CloudEvents headers" in by_type["InvalidEvent"]["x-dlq-error"]
    assert by_type["RuntimeError"]["x-dlq-attempts"] == "3"
    assert by_type["RuntimeError"]["x-dlq-original-topic"] == topic


def _spawn(args: list[str], **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(HERE / "shared_consumer_proc.py"), *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def _wait_line(proc: subprocess.Popen[str], line: str) -> None:
    assert proc.stdout is not None
    for got in proc.stdout:
        if got.strip() == line:
            return
    raise AssertionError(f"process ended before printing {line!r}")


async def test_redelivery_after_kill_before_commit_has_no_double_effect(
    kafka_bootstrap: str, mongo_uri: str, unique_name: Names
) -> None:
    topic = await _topic(kafka_bootstrap, unique_name("redeliver"))
    db_name = unique_name("db")
    counters = connect(mongo_uri, app_name="t")[db_name]["counters"]
    await counters.insert_one({"_id": "c-7", "effects": 0})
    producer = EventProducer(kafka_bootstrap, client_id="t")
    await producer.start()
    await producer.publish(_ack("c-7"), topic=topic)
    await producer.stop()
    args = [kafka_bootstrap, mongo_uri, topic, unique_name("group"), db_name]

    first = _spawn(args, STALL_AFTER_EFFECT="1")
    await asyncio.to_thread(_wait_line, first, "effect-done")
    first.send_signal(signal.SIGKILL)  # effect durable, offset never committed
    first.wait(10)

    second = _spawn(args, RUN_SECONDS="3600")
    try:

        async def redelivered() -> bool:
            doc = await counters.find_one({"_id": "deliveries"})
            return bool(doc and doc["n"] >= 2)

        await _until(redelivered, within=60)
    finally:
        second.terminate()
        second.wait(20)
    doc = await counters.find_one({"_id": "c-7"})
    assert doc is not None and doc["effects"] == 1
