"""Two outbox relays on one database and one broker: the lease fences every publish batch.

A relay paused past its lease (a stalled process, a slow send) publishes nothing once the
other relay took over; a send that overruns is cut before the lease can lapse under it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from closeloop_intake.adapters.lease import Lease
from closeloop_intake.adapters.outbox import outbox_entry
from closeloop_intake.adapters.outbox_relay import OutboxRelay
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.intake import ComplaintAcknowledged
from closeloop_shared.kafka import EventProducer, ensure_topics
from closeloop_shared.mongo import Document, connect
from closeloop_shared.topics import TopicSpec

from .conftest import read_topics

pytestmark = pytest.mark.integration
Names = Callable[[str], str]


class TopicProducer(EventProducer):
    """The real producer, sending to the test's own topic; ``gate`` (when given) holds
    every send until it is set, like a broker that does not answer."""

    def __init__(self, bootstrap: str, topic: str, gate: asyncio.Event | None = None) -> None:
        super().__init__(bootstrap, client_id="relay-fencing")
        self.topic, self.gate = topic, gate

    async def publish_many(self, events: Sequence[CloudEvent], *, topic: str | None = None) -> None:
        if self.gate is not None:
            await self.gate.wait()
        await super().publish_many(events, topic=self.topic)


def acknowledged(cid: str) -> CloudEvent:
    data = ComplaintAcknowledged(
        complaint_id=cid, at=datetime.now(UTC), version=2, actor="a", status="acknowledged"
    )
    return CloudEvent.of(data, source="/closeloop/intake", subject=cid)


@pytest.fixture
async def complaints(
    mongo_uri: str, unique_name: Names
) -> AsyncIterator[AsyncCollection[Document]]:
    client: AsyncMongoClient[Document] = connect(mongo_uri, app_name="intake-fencing-test")
    yield client[unique_name("intake")]["complaints"]
    await client.close()


async def _pending(complaints: AsyncCollection[Document], count: int) -> list[str]:
    events = [acknowledged(f"CMP-{n:03d}") for n in range(count)]
    await complaints.insert_many([{"_id": e.subject, "outbox": [outbox_entry(e)]} for e in events])
    return [e.id for e in events]


async def _take_over(lease: Lease) -> None:
    """Acquire ``lease`` once its holder let it lapse (bounded)."""
    for _ in range(300):
        if await lease.acquire():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the lease never lapsed")


async def _test_topic(bootstrap: str, unique_name: Names) -> str:
    topic = unique_name("relayed")
    await ensure_topics(bootstrap, [TopicSpec(topic, "test")], default_partitions=1)
    return topic


async def _published(bootstrap: str, topic: str) -> Counter[str]:
    records = await read_topics(bootstrap, [topic])
    return Counter(dict(r.headers)["ce_id"].decode() for r in records)


async def test_a_relay_paused_past_its_lease_publishes_nothing_after_the_takeover(
    kafka_bootstrap: str, complaints: AsyncCollection[Document], unique_name: Names
) -> None:
    topic = await _test_topic(kafka_bootstrap, unique_name)
    ids = await _pending(complaints, 5)
    leases = complaints.database["leases"]
    first_lease, second_lease = Lease(leases, "relay", 1.0), Lease(leases, "relay", 1.0)
    producers = [TopicProducer(kafka_bootstrap, topic), TopicProducer(kafka_bootstrap, topic)]
    first = OutboxRelay(complaints, producers[0], lease=first_lease)
    second = OutboxRelay(complaints, producers[1], lease=second_lease)
    for producer in producers:
        await producer.start()
    try:
        assert await first_lease.acquire()
        await _take_over(second_lease)  # the first relay stalls; its lease lapses
        stale_round = await first.publish_pending()  # it wakes up and tries its batch
        second_round = await second.publish_pending()
    finally:
        for producer in producers:
            await producer.stop()
    published = await _published(kafka_bootstrap, topic)
    assert stale_round == 0 and second_round == 5
    assert published == Counter(dict.fromkeys(ids, 1))  # each event once: no double relay
    assert not await first_lease.acquire()  # and it stays out while the other holds it


async def test_a_send_that_overruns_is_cut_before_the_lease_lapses_and_the_other_relay_takes_over(
    kafka_bootstrap: str, complaints: AsyncCollection[Document], unique_name: Names
) -> None:
    topic = await _test_topic(kafka_bootstrap, unique_name)
    ids = await _pending(complaints, 3)
    leases = complaints.database["leases"]
    stuck_lease, other_lease = Lease(leases, "relay", 1.5), Lease(leases, "relay", 1.5)
    gate = asyncio.Event()
    stuck_producer = TopicProducer(kafka_bootstrap, topic, gate)
    other_producer = TopicProducer(kafka_bootstrap, topic)
    await stuck_producer.start()
    await other_producer.start()
    stuck = OutboxRelay(complaints, stuck_producer, lease=stuck_lease)
    other = OutboxRelay(complaints, other_producer, lease=other_lease)
    try:
        assert await stuck_lease.acquire()
        assert await stuck.publish_pending() == 0  # the send hung and was cut
        cut_at = datetime.now(UTC)
        lease_doc = await leases.find_one({"_id": "relay"})
        assert not await stuck.publish_pending()  # no more batches without the lease
        await _take_over(other_lease)
        assert await other.publish_pending() == 3
        gate.set()  # the broker answers again: the cut send must not resume
        await asyncio.sleep(0.5)
    finally:
        await stuck_producer.stop()
        await other_producer.stop()
    assert lease_doc is not None and lease_doc["holder"] == stuck_lease.holder
    assert cut_at < lease_doc["expires_at"]  # cut while the lease still held
    assert await _published(kafka_bootstrap, topic) == Counter(dict.fromkeys(ids, 1))
