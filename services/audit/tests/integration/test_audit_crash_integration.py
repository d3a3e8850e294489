"""A ``python -m closeloop_audit`` process SIGKILLed while it appends batches, then
restarted, logs every event exactly once: no duplicate, nothing skipped. The entry count
equals the number of distinct event ids on the topics."""

from __future__ import annotations

import asyncio
import functools
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from pymongo import MongoClient

from closeloop_audit.adapters.log_reader import open_client
from closeloop_audit.domain.records import RawRecord, record_event_id
from closeloop_audit.entrypoints.consumers import CONSUMED_TOPICS
from closeloop_audit.service.verifier import verify_database
from closeloop_devstack.process import free_port
from closeloop_devstack.service import DEFAULT_COMMAND, ServiceProcess, service_argv
from closeloop_shared.events.envelope import header_map
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.topics import all_topics

pytestmark = pytest.mark.integration
TOPICS = ("complaints.lifecycle.v1", "routing.events.v1", "sla.events.v1", "feedback.events.v1")
EVENTS = 900


def audit_process(
    tmp_path: Path, kafka: str, mongo: str, db_prefix: str, group: str, run: int
) -> ServiceProcess:
    port = free_port()
    env = {
        **os.environ,
        "CLOSELOOP_ENV": "development",
        "CLOSELOOP_KAFKA_BOOTSTRAP": kafka,
        "CLOSELOOP_MONGO_URI": mongo,
        "CLOSELOOP_MONGO_DB_PREFIX": db_prefix,
        "CLOSELOOP_AUDIT_CONSUMER_GROUP": group,
        "CLOSELOOP_AUDIT_PORT": str(port),
        "CLOSELOOP_CONSUMER_BATCH_SIZE": "20",
        "CLOSELOOP_TOPIC_PARTITIONS": "2",
        "CLOSELOOP_AUDIT_CHECKPOINT_EVERY": "150",
        "CLOSELOOP_AUDIT_VERIFY_INTERVAL_S": "3600",
    }
    argv = service_argv(DEFAULT_COMMAND, "audit", port)
    return ServiceProcess("audit", port, argv, env, tmp_path / f"audit-{run}.log")


async def produce(kafka: str, tag: str) -> None:
    """EVENTS events, every tenth republished (a relay retrying), at a steady pace so the
    consumer is always mid-stream, plus a poison dead letter."""
    producer = EventProducer(kafka, client_id="audit-crash-test")
    await producer.start()
    try:
        for i in range(EVENTS):
            event_id = f"{tag}-{i}"
            headers = [
                ("ce_specversion", b"1.0"),
                ("ce_id", event_id.encode()),
                ("ce_type", b"closeloop.test.thing.v1"),
                ("ce_source", b"t"),
                ("ce_time", datetime.now(UTC).isoformat().encode()),
            ]
            topic = TOPICS[i % len(TOPICS)]
            await producer.send_raw(topic, b'{"i":%d}' % i, key=b"CMP-1", headers=headers)
            if i % 10 == 0:
                await producer.send_raw(topic, b'{"i":%d}' % i, key=b"CMP-1", headers=headers)
            if i % 30 == 0:
                await asyncio.sleep(0.05)
        await producer.send_raw("sla.events.v1.dlq", b"\x00poison", key=None, headers=[])
    finally:
        await producer.stop()


async def distinct_ids_on_topics(kafka: str) -> set[str]:
    """Read every consumed topic from start to end and collect the record identities."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka, group_id=None, auto_offset_reset="earliest"
    )
    consumer.subscribe(CONSUMED_TOPICS)  # without a group: every partition, no commits
    await consumer.start()
    try:
        ids: set[str] = set()
        ends: dict[TopicPartition, int] = {}
        while not ends or await _behind(consumer, ends):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    raw = RawRecord(
                        r.topic, r.partition, r.offset, r.key, r.value, header_map(r.headers)
                    )
                    ids.add(record_event_id(raw))
            if not ends and consumer.assignment():
                ends = await consumer.end_offsets(list(consumer.assignment()))
        return ids
    finally:
        await consumer.stop()


async def _behind(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return True
    return False


async def uncommitted_entries(kafka: str, group: str, db: Any) -> int:
    """Entries stored for records whose offsets the group has not committed (what a
    restart gets redelivered and must recognise)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        stored = 0
        for doc in db.entries.find({}, {"topic": 1, "partition": 1, "offset": 1}):
            committed = await consumer.committed(TopicPartition(doc["topic"], doc["partition"]))
            stored += committed is None or doc["offset"] >= committed
        return stored
    finally:
        await consumer.stop()


def stored_at_least(db: Any, n: int) -> bool:
    return int(db.entries.count_documents({})) >= n


def wait_for(predicate: Callable[[], bool], timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


async def test_killed_audit_process_restarted_logs_every_event_exactly_once(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str, unique_name: Callable[[str], str]
) -> None:
    prefix, group = f"{unique_name('db')}_", unique_name("audit")
    client: MongoClient[dict[str, Any]] = MongoClient(mongo_uri, tz_aware=True)
    db = client[f"{prefix}audit"]
    start = functools.partial(audit_process, tmp_path, kafka_bootstrap, mongo_uri, prefix, group)
    # Topics exist before the service starts, as in a deployment (Strimzi KafkaTopics).
    await ensure_topics(kafka_bootstrap, all_topics(), default_partitions=2)
    process = start(0)
    await asyncio.to_thread(process.start, 120.0)
    producing = asyncio.create_task(produce(kafka_bootstrap, uuid.uuid4().hex[:8]))
    redelivered = []
    try:
        for run, threshold in ((1, EVENTS // 6), (2, EVENTS // 2)):
            await asyncio.to_thread(wait_for, functools.partial(stored_at_least, db, threshold))
            process.kill()  # SIGKILL, wherever it is in its batch
            redelivered.append(await uncommitted_entries(kafka_bootstrap, group, db))
            process = start(run)
            await asyncio.to_thread(process.start, 120.0)
        await producing
        expected = await distinct_ids_on_topics(kafka_bootstrap)
        await asyncio.to_thread(wait_for, lambda: db.entries.count_documents({}) >= len(expected))
        ids = [doc["event_id"] for doc in db.entries.find({}, {"event_id": 1})]
        assert len(ids) == len(set(ids)), "an event was logged twice"
        assert set(ids) == expected, f"skipped: {sorted(expected - set(ids))[:5]}"
        reader = open_client(mongo_uri)
        verdict = verify_database(reader, db.name, trusted_keys=None)
        reader.close()
        assert verdict.ok and verdict.entries == len(expected)
        print(f"entries stored but uncommitted at each kill: {redelivered}")
    finally:
        producing.cancel()
        process.stop()
        client.close()
