"""The backlog reading against the real broker: a group counts on every listed topic it has
committed on, and only there."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from closeloop_shared.kafka import ensure_topics
from closeloop_shared.kafka.backlog import GroupBacklog
from closeloop_shared.topics import TopicSpec

pytestmark = pytest.mark.integration


async def _produce(bootstrap: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for i in range(count):
            await producer.send_and_wait(topic, b"x", partition=i % 2)
    finally:
        await producer.stop()


async def _commit(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit(offsets)
    finally:
        await consumer.stop()


async def test_a_group_behind_on_a_second_topic_counts_and_an_unread_topic_does_not(
    kafka_bootstrap: str,
) -> None:
    run = uuid.uuid4().hex[:8]
    first, second, unread = (f"backlog-{name}-{run}" for name in ("a", "b", "c"))
    await ensure_topics(
        kafka_bootstrap,
        [TopicSpec(first, "test"), TopicSpec(second, "test"), TopicSpec(unread, "test")],
        default_partitions=2,
    )
    await _produce(kafka_bootstrap, first, 4)
    await _produce(kafka_bootstrap, second, 10)
    await _produce(kafka_bootstrap, unread, 50)
    caught_up, lagging = f"caught-up-{run}", f"lagging-{run}"
    p = {(t, n): TopicPartition(t, n) for t in (first, second) for n in (0, 1)}
    # caught up on the first topic, 3 + 4 records behind on the second
    await _commit(kafka_bootstrap, caught_up, {p[first, 0]: 2, p[first, 1]: 2})
    await _commit(
        kafka_bootstrap,
        lagging,
        {p[first, 0]: 2, p[first, 1]: 2, p[second, 0]: 2, p[second, 1]: 1},
    )
    backlog = GroupBacklog(kafka_bootstrap, [first, second, unread], [caught_up, lagging])
    await backlog.start()
    try:
        assert await backlog.read() == 7
        assert backlog.behind == 7
        only_first = GroupBacklog(kafka_bootstrap, [first], [lagging])
        await only_first.start()
        try:
            assert await only_first.read() == 0  # the second topic is not watched
        finally:
            await only_first.stop()
    finally:
        await backlog.stop()
