"""faust-streaming (aiokafka driver, rocksdict table) works against the pinned broker."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from closeloop_devstack.process import ManagedProcess

pytestmark = pytest.mark.integration

APP_DIR = Path(__file__).parent


async def test_devstack_faust_agent_counts_words_in_a_rocksdb_table(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    pytest.importorskip("faust")
    pytest.importorskip("rocksdict")
    source, sink = unique_name("in"), unique_name("out")
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(source, 1, 1), NewTopic(sink, 1, 1)])
    finally:
        await admin.close()
    env = dict(os.environ)
    env.update(
        FAUST_APP_ID=unique_name("app"),
        FAUST_BROKER=kafka_bootstrap,
        FAUST_DATADIR=str(tmp_path / "faust"),
        FAUST_IN_TOPIC=source,
        FAUST_OUT_TOPIC=sink,
    )
    argv = [sys.executable, "-m", "faust", "-A", "devstack_faust_app", "worker", "-l", "info"]
    worker = ManagedProcess("faust", argv, tmp_path / "worker.log", env=env, cwd=APP_DIR)
    worker.spawn()
    try:
        producer = AIOKafkaProducer(
            bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True
        )
        await producer.start()
        try:
            for word in (b"late", b"wrong", b"late"):
                await producer.send_and_wait(source, word)
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(
            sink, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
        )
        await consumer.start()
        got: list[bytes] = []
        try:
            async with asyncio.timeout(60):
                while len(got) < 3 and worker.is_running():
                    batches = await consumer.getmany(timeout_ms=500)
                    got += [m.value for msgs in batches.values() for m in msgs if m.value]
        finally:
            await consumer.stop()
        assert got == [b"late=1", b"wrong=1", b"late=2"], worker.log_tail(60)
        assert "rocksdb" in worker.log_tail(400)
    finally:
        await asyncio.to_thread(worker.stop, 30)
