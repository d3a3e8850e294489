"""Publishing through the faust worker's producer (``acks=all``), waiting for the broker.
It calls the producer directly rather than ``Topic.send``: faust's message wrappers cost
more per record than everything else the engine does for a breach.

Clock events go to ``sla.events.v1`` keyed by complaint id; continuation and expiry commands
to ``sla.commands.v1`` at an explicit partition (the partition of the table row they are
about, so commands are co-partitioned with the table whatever the partitioner); records that
cannot be processed go to ``<topic>.dlq`` with the error in headers, as the shared consumer
loop does. A broker outage is retried without limit: the batch is neither acknowledged nor
written meanwhile, and resending is harmless because event ids are deterministic.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from typing import Any

from closeloop_shared.events.envelope import CloudEvent, encode_event
from closeloop_shared.observability.metrics import DEAD_LETTERS
from closeloop_shared.topics import SLA_COMMANDS, SLA_EVENTS
from closeloop_sla.adapters.outgoing import Outgoing

log = logging.getLogger(__name__)
GROUP = "sla-clocks"


class FaustPublisher:
    """Sends batches of output and waits until every record is acknowledged."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def publish(self, out: Outgoing) -> None:
        """Send everything in ``out``; retry the whole batch until the broker has it."""
        if not (out.events or out.commands or out.dead):
            return
        attempt = 0
        while True:
            try:
                pending = [await self._send(SLA_EVENTS.name, event) for event in out.events]
                for partition, command in out.commands:
                    pending.append(await self._send(SLA_COMMANDS.name, command, partition))
                for record_event, error in out.dead:
                    pending.append(await self._dead_letter(record_event, error))
                await asyncio.gather(*pending)
                break
            except Exception as exc:  # the producer surfaces broker errors per record
                attempt += 1
                log.warning("publish failed; retrying", extra={"error": repr(exc)})
                await asyncio.sleep(min(5.0, 0.1 * 2**attempt))
        for record_event, _ in out.dead:
            DEAD_LETTERS.labels(record_event.message.topic).inc()

    async def send_commands(self, commands: Sequence[tuple[int, CloudEvent]]) -> None:
        """Send expiry commands without waiting for acknowledgement (a lost command is
        re-derived from the table after a restart)."""
        for partition, command in commands:
            await self._send(SLA_COMMANDS.name, command, partition)

    async def _send(
        self, topic: str, event: CloudEvent, partition: int | None = None
    ) -> Awaitable[Any]:
        key, value, headers = encode_event(event)
        return await self._raw(topic, key, value, headers, partition)

    async def _raw(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]],
        partition: int | None = None,
    ) -> Awaitable[Any]:
        future: Awaitable[Any] = await self._app.producer.send(
            topic, key, value, partition, None, headers
        )
        return future

    async def _dead_letter(self, record_event: Any, error: BaseException) -> Awaitable[Any]:
        message = record_event.message
        name = f"{message.topic}.dlq"
        headers = [(k, v) for k, v in (message.headers or ()) if not k.startswith("x-dlq-")]
        headers += [
            ("x-dlq-error", str(error)[:2000].encode()),
            ("x-dlq-error-type", type(error).__name__.encode()),
            ("x-dlq-original-topic", message.topic.encode()),
            ("x-dlq-original-partition", str(message.partition).encode()),
            ("x-dlq-original-offset", str(message.offset).encode()),
            ("x-dlq-consumer-group", GROUP.encode()),
            ("x-dlq-attempts", b"1"),
            ("x-dlq-failed-at", datetime.now(UTC).isoformat().encode()),
        ]
        log.error(
            "record dead-lettered",
            extra={"topic": message.topic, "offset": message.offset, "dlq": name},
        )
        return await self._raw(name, message.key, message.value, headers)
