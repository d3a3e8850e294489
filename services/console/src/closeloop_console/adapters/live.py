"""Live updates: the SLA events (``sla.events.v1``) and the assignments
(``routing.events.v1``), read as they happen and fanned out to browsers.

The consumer has no group: every console replica reads every partition from the end, so
each replica can push every event to its own browsers. Events are summarised to what a page
needs (complaint id, clock, state, deadline, severity; or complaint id and its owners); these
events carry no personal data of customers, and nothing is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer

from closeloop_console.config import ConsoleSettings
from closeloop_console.metrics import LIVE_EVENTS, LIVE_SUBSCRIBERS
from closeloop_shared.events.envelope import InvalidEvent, decode_event
from closeloop_shared.topics import ROUTING_EVENTS, SLA_EVENTS

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


ASSIGNED = "closeloop.routing.complaint.assigned.v1"


def summarise_assignment(ce_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """A queue's view of an assignment (who owns which complaint now), or None."""
    if ce_type != ASSIGNED:
        return None
    owners = [data.get("assignee"), *(data.get("co_owners") or [])]
    return {
        "complaint_id": data.get("complaint_id"),
        "owners": [o for o in owners if isinstance(o, str) and o],
        "department": data.get("department"),
        "at": data.get("at"),
    }


Accept = Callable[[dict[str, Any]], bool]


@dataclass
class LiveHub:
    """Subscribers each get a bounded queue; a slow browser loses events, never the hub."""

    _queues: dict[asyncio.Queue[dict[str, Any]], Accept] = field(default_factory=dict, init=False)
    consuming: bool = False

    def publish(self, event: dict[str, Any]) -> None:
        for queue, accept in list(self._queues.items()):
            if accept(event):
                with contextlib.suppress(asyncio.QueueFull):
                    queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, accept: Accept = lambda _: True
    ) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue of the events ``accept`` keeps, for as long as the caller listens."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=500)
        self._queues[queue] = accept
        LIVE_SUBSCRIBERS.inc()
        try:
            yield queue
        finally:
            self._queues.pop(queue, None)
            LIVE_SUBSCRIBERS.dec()


def dispatch(clocks: LiveHub, assignments: LiveHub, ce_type: str, data: dict[str, Any]) -> bool:
    """Publish one event to the hub that wants it (clock changes for the at-risk board,
    assignments for the queues); False when neither does."""
    clock = summarise(ce_type, data)
    if clock is not None:
        clocks.publish(clock)
        return True
    assignment = summarise_assignment(ce_type, data)
    if assignment is not None:
        assignments.publish(assignment)
        return True
    return False


async def consume_live_events(
    settings: ConsoleSettings, hub: LiveHub, assignments: LiveHub
) -> None:
    """Read sla.events.v1 and routing.events.v1 from their end until cancelled; reconnects
    after broker failures. ``hub.consuming`` tells readiness whether the reader is up."""
    while True:
        consumer = AIOKafkaConsumer(
            SLA_EVENTS.name,
            ROUTING_EVENTS.name,
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
                if dispatch(hub, assignments, event.type, event.data.model_dump(mode="json")):
                    LIVE_EVENTS.labels("pushed").inc()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the board degrades to reloads; retry the broker
            log.warning("sla events consumer failed", extra={"error": type(exc).__name__})
            await asyncio.sleep(2)
        finally:
            hub.consuming = False
            with contextlib.suppress(Exception):
                await consumer.stop()
