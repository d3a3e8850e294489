"""Live updates: the SLA events, read from ``sla.events.v1`` and fanned out to browsers.

The consumer has no group: every console replica reads every partition from the end, so
each replica can push every event to its own browsers. Events are summarised to what the
board needs (complaint id, clock, state, deadline, severity); SLA events carry no personal
data, and nothing is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiokafka import AIOKafkaConsumer

from closeloop_console.config import ConsoleSettings
from closeloop_console.metrics import LIVE_EVENTS, LIVE_SUBSCRIBERS
from closeloop_shared.events.envelope import InvalidEvent, decode_event
from closeloop_shared.topics import SLA_EVENTS

log = logging.getLogger(__name__)

# ce_type "closeloop.sla.clock.<state>.v1" → what the board shows.
STATES = {
    "started": "running",
    "resumed": "running",
    "extended": "running",
    "retargeted": "running",
    "paused": "paused",
    "warning": "warned",
    "breached": "breached",
    "met": "met",
    "cancelled": "cancelled",
}


def summarise(ce_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The board's view of one clock event, or None for events that are not clock changes."""
    parts = ce_type.split(".")
    if len(parts) < 5 or parts[:3] != ["closeloop", "sla", "clock"]:
        return None
    state = STATES.get(parts[3])
    if state is None:
        return None
    deadline = data.get("deadline")
    return {
        "complaint_id": data.get("complaint_id"),
        "clock": data.get("clock"),
        "state": state,
        "deadline": deadline if isinstance(deadline, str) else None,
        "severity": data.get("severity"),
        "at": data.get("at"),
    }


class LiveHub:
    """Subscribers each get a bounded queue; a slow browser loses events, never the hub."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self.consuming = False

    def publish(self, event: dict[str, Any]) -> None:
        for queue in list(self._queues):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=500)
        self._queues.add(queue)
        LIVE_SUBSCRIBERS.inc()
        try:
            yield queue
        finally:
            self._queues.discard(queue)
            LIVE_SUBSCRIBERS.dec()


async def consume_sla_events(settings: ConsoleSettings, hub: LiveHub) -> None:
    """Read sla.events.v1 from its end until cancelled; reconnects after broker failures."""
    while True:
        consumer = AIOKafkaConsumer(
            SLA_EVENTS.name,
            bootstrap_servers=settings.kafka_bootstrap,
            client_id=f"{settings.kafka_client_id_prefix}-console-live",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
        )
        try:
            await consumer.start()
            hub.consuming = True
            async for record in consumer:
                try:
                    event = decode_event(record.value, record.headers)
                except InvalidEvent:
                    LIVE_EVENTS.labels("invalid").inc()
                    continue
                summary = summarise(event.type, event.data.model_dump(mode="json"))
                if summary is not None:
                    LIVE_EVENTS.labels("pushed").inc()
                    hub.publish(summary)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the board degrades to reloads; retry the broker
            log.warning("sla events consumer failed", extra={"error": type(exc).__name__})
            await asyncio.sleep(2)
        finally:
            hub.consuming = False
            with contextlib.suppress(Exception):
                await consumer.stop()
