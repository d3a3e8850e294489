"""The audit log's batch consumer never skips a batch, so a batch that keeps failing stalls
it: liveness turns false after the bound (the process is then restarted), and true again
once the batch goes through. Against the real broker."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest
from aiokafka import AIOKafkaProducer

from closeloop_audit.adapters.batch_consumer import BatchConsumer, Record
from closeloop_shared.kafka import ensure_topics
from closeloop_shared.topics import TopicSpec

pytestmark = pytest.mark.integration


async def _until(check: Callable[[], bool], within: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def test_a_batch_failing_past_the_bound_fails_liveness_until_it_goes_through(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic = unique_name("audit_in")
    await ensure_topics(kafka_bootstrap, [TopicSpec(topic, "test")], default_partitions=1)
    failing = True
    appended: list[bytes] = []

    async def append(records: Sequence[Record]) -> None:
        if failing:
            raise RuntimeError("the log store refuses the batch")
        appended.extend(r.value or b"" for r in records)

    consumer = BatchConsumer(
        bootstrap=kafka_bootstrap,
        group_id=unique_name("group"),
        topics=[topic],
        handler=append,
        backoff_s=0.01,
        stall_after_s=0.5,
    )
    await consumer.start()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        await _until(lambda: consumer.assigned)
        await asyncio.sleep(1)  # idle past the bound: nothing to do is no stall
        idle_alive = consumer.alive
        await producer.send_and_wait(topic, b"entry-1")
        await _until(lambda: not consumer.alive)
        failing = False
        await _until(lambda: appended == [b"entry-1"])
        await _until(lambda: consumer.alive)
    finally:
        await producer.stop()
        await consumer.stop()
    assert idle_alive
