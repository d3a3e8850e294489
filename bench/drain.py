"""Waiting for the pipeline to be idle between load steps.

A step's backlog (records its consumers have not processed yet) would otherwise land on the
next step: a saturation run leaves thousands of complaints for routing, SLA, feedback and
audit to digest, and the database they share would still be busy with them while the next,
lighter step is measured.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient


async def consumer_lag(admin: AIOKafkaAdminClient, consumer: AIOKafkaConsumer) -> int:
    """Records not yet committed by any consumer group, over every group of the broker."""
    total = 0
    for group_id, _protocol in await admin.list_consumer_groups():
        committed = await admin.list_consumer_group_offsets(group_id)
        live = {tp: meta.offset for tp, meta in committed.items() if meta.offset >= 0}
        if not live:
            continue
        ends = await consumer.end_offsets(list(live))
        total += sum(max(0, ends[tp] - offset) for tp, offset in live.items())
    return total


async def wait_drained(
    bootstrap: str, *, timeout_s: float = 30.0, say: Callable[[str], None] = print
) -> tuple[float, int]:
    """Wait until every consumer group has caught up (twice in a row, a second apart), for
    at most ``timeout_s``; returns (seconds waited, records still behind: 0 when drained).

    The bound keeps ``make bench`` inside its 30 minutes: the slowest groups (feedback's and
    intake's projections, which no measured path waits for) may still be behind; how far is
    recorded with each step."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-drain")
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    started = time.monotonic()
    try:
        idle_polls, last_said, lag = 0, started, 0
        while idle_polls < 2:
            lag = await consumer_lag(admin, consumer)
            idle_polls = idle_polls + 1 if lag == 0 else 0
            now = time.monotonic()
            if now - started > timeout_s:
                say(f"[drain] gave up after {timeout_s:g} s, consumers {lag:,} records behind")
                break
            if lag and now - last_said >= 10:
                say(f"[drain] consumers {lag:,} records behind")
                last_said = now
            await asyncio.sleep(1.0)
        return time.monotonic() - started, lag
    finally:
        await consumer.stop()
        await admin.close()
