"""The pinned Kafka broker: jar verification, startup, topics, idempotent produce, groups."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition

from closeloop_devstack.kafka import KafkaBroker
from closeloop_devstack.kafka_dist import (
    KAFKA_VERSION,
    ensure_kafka_libs,
    format_lock,
    hash_jars,
    libs_dir,
    require_tool,
    verify_jars,
)
from closeloop_devstack.process import DevstackError

pytestmark = pytest.mark.integration


async def _create_topic(bootstrap: str, topic: str, partitions: int = 1) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, replication_factor=1)])
        return list(await admin.list_topics())
    finally:
        await admin.close()


async def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=value)
    finally:
        await producer.stop()


async def _consume(bootstrap: str, topic: str, group: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    got: list[bytes] = []
    try:
        async with asyncio.timeout(30):
            while len(got) < count:
                batches = await consumer.getmany(timeout_ms=500)
                got += [msg.value for msgs in batches.values() for msg in msgs if msg.value]
        await consumer.commit()
    finally:
        await consumer.stop()
    return got


def test_devstack_broker_is_running_on_its_bootstrap(kafka_broker: KafkaBroker) -> None:
    assert kafka_broker.is_running()
    assert kafka_broker.bootstrap == f"127.0.0.1:{kafka_broker.port}"
    assert "Kafka Server started" in kafka_broker.log_path.read_text()


async def test_devstack_admin_creates_topic_and_round_trip_commits_group_offsets(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    topic, group = unique_name("topic"), unique_name("group")
    assert topic in await _create_topic(kafka_bootstrap, topic, partitions=3)
    values = [f"m{i}".encode() for i in range(12)]
    await _produce(kafka_bootstrap, topic, values)
    assert sorted(await _consume(kafka_bootstrap, topic, group, len(values))) == sorted(values)
    # Committed offsets mean a restarted member of the group sees nothing again.
    await _produce(kafka_bootstrap, topic, [b"late"])
    assert await _consume(kafka_bootstrap, topic, group, 1) == [b"late"]


async def test_devstack_broker_does_not_auto_create_topics(
    kafka_bootstrap: str, unique_name: Callable[[str], str]
) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        missing = unique_name("missing")
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, request_timeout_ms=2000)
        await producer.start()
        try:
            with pytest.raises(Exception):  # noqa: B017 - aiokafka raises its own errors here
                await asyncio.wait_for(producer.partitions_for(missing), timeout=5)
        finally:
            await producer.stop()
        assert missing not in await admin.list_topics()
    finally:
        await admin.close()


async def test_devstack_broker_keeps_messages_across_kill_and_restart(
    kafka_broker_factory: Callable[[], KafkaBroker], unique_name: Callable[[str], str]
) -> None:
    broker = kafka_broker_factory()
    topic = unique_name("durable")
    await _create_topic(broker.bootstrap, topic)
    await _produce(broker.bootstrap, topic, [b"before-crash"])
    await asyncio.to_thread(broker.kill)
    assert not broker.is_running()
    await asyncio.to_thread(broker.start)
    got = await _consume(broker.bootstrap, topic, unique_name("g"), 1)
    assert got == [b"before-crash"]
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap)
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        assert (await consumer.end_offsets([partition]))[partition] == 1
    finally:
        await consumer.stop()


def test_devstack_cached_jars_are_reused_without_maven(
    kafka_broker: KafkaBroker, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no mvn (and no java) on PATH
    assert ensure_kafka_libs(KAFKA_VERSION) == libs_dir(KAFKA_VERSION)


def test_devstack_missing_tool_error_names_the_package(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DevstackError, match=r"apt-get install openjdk-17-jre-headless maven"):
        require_tool("mvn")


def test_devstack_jar_verification_rejects_tampered_missing_and_extra_jars(tmp_path: Path) -> None:
    (tmp_path / "a.jar").write_bytes(b"original")
    (tmp_path / "b.jar").write_bytes(b"second")
    pinned = hash_jars(tmp_path)
    verify_jars(tmp_path, pinned)  # identical: passes
    assert format_lock(pinned).splitlines()[0].endswith("  a.jar")
    (tmp_path / "a.jar").write_bytes(b"tampered")
    (tmp_path / "b.jar").unlink()
    (tmp_path / "c.jar").write_bytes(b"extra")
    with pytest.raises(DevstackError) as failure:
        verify_jars(tmp_path, pinned)
    message = str(failure.value)
    assert "checksum mismatch for a.jar" in message
    assert "missing b.jar" in message
    assert "unexpected c.jar" in message
