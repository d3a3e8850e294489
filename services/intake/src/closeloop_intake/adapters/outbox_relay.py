"""The outbox relay: publishes events waiting in complaint documents, then removes them.

Group commit: one round reads up to ``batch_size`` complaints with pending events, sends
all their events (in array order, keyed by complaint id, so each complaint's events stay in
order on its partition), waits for every acknowledgement, then ``$pull`` s the published ids
in one unordered bulk write. A crash after the send and before the pull re-publishes the
same records (same ``ce_id``) on restart; consumers deduplicate by id, so nothing is lost
and nothing is applied twice. Only the holder of a lease relays, so replicas do not race:
each batch is fenced (the lease is checked in the database right before the send, for
longer than the send may take) and the send is bounded by a third of the lease time, so a
relay that lost its lease stops publishing. (Records already handed to the producer when a
send overran its bound may still be delivered; they carry their ids and are deduplicated.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from closeloop_intake.adapters.lease import Lease
from closeloop_intake.adapters.outbox import event_of
from closeloop_shared.events.envelope import CloudEvent, InvalidEvent
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.mongo import PENDING_EVENTS, Document
from closeloop_shared.observability.metrics import OUTBOX_PENDING

log = logging.getLogger(__name__)
PULL_GROUP = 20  # complaints per $pull update


class OutboxRelay:
    """Moves outbox events to Kafka; call :meth:`wake` after a write for low latency."""

    def __init__(
        self,
        collection: AsyncCollection[Document],
        producer: EventProducer,
        *,
        lease: Lease,
        batch_size: int = 200,
        interval_s: float = 0.5,
    ) -> None:
        self._collection = collection
        self._producer = producer
        self._lease = lease
        self._batch_size = batch_size
        self._interval_s = interval_s
        self._wakeup = asyncio.Event()
        self._send_budget_s = lease.ttl_s / 3

    def wake(self) -> None:
        """Something was written: publish now rather than at the next interval."""
        self._wakeup.set()

    async def run(self) -> None:
        """Relay until cancelled (the service's background task)."""
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that races with the event, and the service would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval_s):
                    await self._wakeup.wait()
            self._wakeup.clear()
            if not await self._lease.acquire():
                continue
            while await self.publish_pending() >= self._batch_size:
                pass  # a full batch: more may be waiting

    async def publish_pending(self) -> int:
        """Publish one batch while holding the lease; return how many complaints it covered
        (0 when the lease was lost: the relay stops until it acquires it again)."""
        docs = (
            await self._collection.find(PENDING_EVENTS, {"outbox": 1})
            .limit(self._batch_size)
            .to_list()
        )
        events: list[CloudEvent] = []
        published: dict[str, list[str]] = {}
        broken: dict[str, list[Document]] = {}
        for doc in docs:
            for entry in doc["outbox"]:
                try:
                    events.append(event_of(entry))
                    published.setdefault(doc["_id"], []).append(entry["id"])
                except InvalidEvent:
                    broken.setdefault(doc["_id"], []).append(entry)
        if docs and not await self._lease.fence(self._send_budget_s):
            return 0
        try:
            async with asyncio.timeout(self._send_budget_s):
                await self._producer.publish_many(events)
        except TimeoutError:
            self._lease.forget()  # it may lapse before more is sent: fence again first
            log.warning("outbox send overran the lease budget; relay stops until re-acquired")
            return 0
        await self._remove(published, broken)
        OUTBOX_PENDING.set(0 if len(docs) < self._batch_size else len(events))
        return len(docs)

    async def _remove(
        self, published: dict[str, list[str]], broken: dict[str, list[Document]]
    ) -> None:
        # Multi-document updates, not an UpdateOne per complaint: a multi update is not a
        # retryable write, whose bookkeeping made the per-complaint form several times dearer
        # on the server. Event ids are unique, so pulling a group's ids from each of its
        # complaints removes the same entries; groups stay small because the server checks
        # every array entry against every id of the group.
        pending = list(published.items())
        for start in range(0, len(pending), PULL_GROUP):
            group = pending[start : start + PULL_GROUP]
            ids = [event_id for _, event_ids in group for event_id in event_ids]
            await self._collection.update_many(
                {"_id": {"$in": [cid for cid, _ in group]}},
                {"$pull": {"outbox": {"id": {"$in": ids}}}},
            )
        writes = []
        for cid, entries in broken.items():
            # Undecodable entries would block the relay forever: park them for an operator.
            log.error("outbox entry cannot be decoded; parked", extra={"complaint_id": cid})
            ids = [e["id"] for e in entries]
            writes.append(
                UpdateOne(
                    {"_id": cid},
                    {
                        "$pull": {"outbox": {"id": {"$in": ids}}},
                        "$push": {"outbox_parked": {"$each": entries}},
                    },
                )
            )
        if writes:
            await self._collection.bulk_write(writes, ordered=False)
