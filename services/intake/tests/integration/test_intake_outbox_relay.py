"""The relay empties the outbox of a batch larger than one $pull group, in order, and keeps
an event written while the batch was being published."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from closeloop_intake.adapters.lease import Lease
from closeloop_intake.adapters.outbox import outbox_entry
from closeloop_intake.adapters.outbox_relay import PULL_GROUP, OutboxRelay
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.intake import ComplaintAcknowledged
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.mongo import Document, connect


def acknowledged(cid: str, version: int) -> CloudEvent:
    data = ComplaintAcknowledged(
        complaint_id=cid, at=datetime.now(UTC), version=version, actor="a", status="acknowledged"
    )
    return CloudEvent.of(data, source="/closeloop/intake", subject=cid)


class RecordingProducer:
    """Records what it is asked to publish; ``during`` runs inside the first publish."""

    def __init__(self, during: Callable[[], Any]) -> None:
        self.published: list[CloudEvent] = []
        self._during: Callable[[], Any] | None = during

    async def publish_many(self, events: Sequence[CloudEvent]) -> None:
        self.published.extend(events)
        if self._during is not None:
            during, self._during = self._during, None
            await during()


@pytest.fixture
async def complaints(
    mongo_uri: str, unique_name: Callable[[str], str]
) -> AsyncIterator[AsyncCollection[Document]]:
    client: AsyncMongoClient[Document] = connect(mongo_uri, app_name="intake-relay-test")
    yield client[unique_name("intake")]["complaints"]
    await client.close()


async def test_a_batch_of_several_pull_groups_is_published_and_removed(
    complaints: AsyncCollection[Any],
) -> None:
    count = 2 * PULL_GROUP + 5
    cids = [f"CMP-{n:03d}" for n in range(count)]
    written = {cid: [acknowledged(cid, 1), acknowledged(cid, 2)] for cid in cids}
    await complaints.insert_many(
        [{"_id": cid, "outbox": [outbox_entry(e) for e in written[cid]]} for cid in cids]
    )
    late = acknowledged(cids[0], 3)

    async def write_late_event() -> None:
        await complaints.update_one({"_id": cids[0]}, {"$push": {"outbox": outbox_entry(late)}})

    producer = RecordingProducer(write_late_event)
    lease = Lease(complaints.database["leases"], "relay", 60)
    relay = OutboxRelay(complaints, cast(EventProducer, producer), lease=lease, batch_size=count)
    assert await lease.acquire()
    assert await relay.publish_pending() == count
    assert [e.id for e in producer.published] == [e.id for c in cids for e in written[c]]
    left = {d["_id"]: d["outbox"] async for d in complaints.find({"outbox.id": {"$exists": True}})}
    assert list(left) == [cids[0]] and [e["id"] for e in left[cids[0]]] == [late.id]
