"""Publishing the events of routing decisions from the documents' outboxes.

A decision is durable once its document (with its events) is written, so the handler does
not wait for the broker: it queues the events for one sender task and moves on. The sender
publishes what has queued up in one producer batch, in order, then drops the published
events from their outboxes in one bulk write. If publishing fails or the process dies, the
events are still in the outboxes and the relay sends them again; consumers ignore a
re-sent event by its id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from closeloop_routing.adapters.outbox_entries import from_entry
from closeloop_routing.adapters.routing_store import RoutingRecord, RoutingStore
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.producer import EventProducer

log = logging.getLogger(__name__)
MAX_BATCH = 500  # events of this many decisions at most in one producer batch


class OutboxPublisher:
    """Sends decisions' events in order, batched, off the handlers' critical path."""

    def __init__(self, producer: EventProducer, store: RoutingStore) -> None:
        self._producer = producer
        self._store = store
        self._queue: asyncio.Queue[tuple[str, list[CloudEvent]]] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None

    async def publish(self, complaint_id: str, events: Sequence[CloudEvent]) -> None:
        """Queue ``events`` (already stored in the complaint's outbox) for sending."""
        if not events:
            return
        self._queue.put_nowait((complaint_id, list(events)))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_forever(), name="routing-outbox")

    async def send_now(self, events: Sequence[CloudEvent]) -> None:
        """Send ``events`` and wait for the broker (for events kept outside the outbox,
        which must be out before the caller acknowledges what caused them)."""
        await self._producer.publish_many(events)

    async def republish(self, record: RoutingRecord, cause: str | None = None) -> int:
        """Send again what ``record`` still holds unpublished (after a crash or retry)."""
        events = [from_entry(entry) for entry in record.pending(cause)]
        await self.publish(record.complaint_id, events)
        return len(events)

    async def flush(self) -> None:
        """Wait until everything queued so far was sent (or failed and left for the relay)."""
        await self._queue.join()

    async def close(self, timeout_s: float = 10.0) -> None:
        """Flush (bounded), then stop the sender; unsent events stay in the outboxes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.flush(), timeout_s)
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.gather(self._sender, return_exceptions=True)

    async def _send_forever(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._producer.publish_many([e for _, events in batch for e in events])
                sent: dict[str, list[str]] = {}
                for cid, events in batch:
                    sent.setdefault(cid, []).extend(e.id for e in events)
                await self._store.clear_outboxes(sent)
            except Exception:
                log.warning("routing events not sent yet; the relay will resend", exc_info=True)
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def relay_once(self, grace_s: float) -> int:
        """Queue events left in outboxes for longer than ``grace_s``; how many."""
        before = datetime.now(UTC) - timedelta(seconds=grace_s)
        sent = 0
        for record in await self._store.stale_outboxes(before):
            sent += await self.republish(record)
        if sent:
            log.warning("relaying unpublished routing events", extra={"events": sent})
            await self.flush()
        return sent

    async def relay_forever(self, grace_s: float) -> None:
        """Background task: the safety net for decisions whose publishing was cut short."""
        while True:
            await asyncio.sleep(grace_s)
            await self.relay_once(grace_s)
