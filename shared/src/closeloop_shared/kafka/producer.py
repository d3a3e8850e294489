"""An idempotent producer: ``acks=all`` and ``enable_idempotence`` so a retry after a
network error never writes a record twice and nothing is acknowledged before every in-sync
replica has it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from closeloop_shared.events.envelope import CloudEvent, Headers, encode_event
from closeloop_shared.events.registry import EVENT_TYPES


class EventProducer:
    """Publishes :class:`CloudEvent` s to the topic their type is registered on."""

    def __init__(self, bootstrap: str, *, client_id: str) -> None:
        self._bootstrap, self._client_id = bootstrap, client_id
        self._kafka: AIOKafkaProducer | None = None

    @property
    def _producer(self) -> AIOKafkaProducer:
        if self._kafka is None:
            raise RuntimeError("EventProducer.start() must be awaited before publishing")
        return self._kafka

    async def start(self) -> None:
        """Connect (aiokafka clients must be created inside the running event loop)."""
        if self._kafka is None:
            self._kafka = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                acks="all",
                enable_idempotence=True,
                linger_ms=2,
                request_timeout_ms=30_000,
            )
        await self._kafka.start()

    async def stop(self) -> None:
        if self._kafka is not None:
            await self._kafka.stop()
            self._kafka = None

    async def publish(self, event: CloudEvent, *, topic: str | None = None) -> None:
        """Send one event and wait for the broker's acknowledgement."""
        await self.publish_many([event], topic=topic)

    async def publish_many(self, events: Sequence[CloudEvent], *, topic: str | None = None) -> None:
        """Send events in order and wait until all are acknowledged.

        Records with the same key keep their order because the idempotent producer keeps
        one in-flight sequence per partition.
        """
        futures = []
        for event in events:
            key, value, headers = encode_event(event)
            target = topic or EVENT_TYPES[event.type].topic
            futures.append(await self._producer.send(target, value, key=key, headers=headers))
        if futures:
            await asyncio.gather(*futures)

    async def send_raw(
        self, topic: str, value: bytes | None, *, key: bytes | None, headers: Headers
    ) -> None:
        """Send an already-encoded record (used for dead letters and relays)."""
        await self._producer.send_and_wait(topic, value, key=key, headers=headers)
