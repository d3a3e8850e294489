"""``closeloop_dlq_size{topic}``: records retained in each dead-letter topic.

Size is the end offset minus the start offset summed over partitions, read with a
group-less consumer (it joins no group and commits nothing). It feeds the "DLQ not empty"
alert; the audit log itself records every dead letter as an entry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from closeloop_audit.metrics import DLQ_SIZE

log = logging.getLogger(__name__)


class DlqMonitor:
    """Polls the sizes of dead-letter topics into the ``closeloop_dlq_size`` gauge."""

    def __init__(self, bootstrap: str, topics: Sequence[str], *, client_id: str) -> None:
        self.topics = list(topics)
        self._bootstrap, self._client_id = bootstrap, client_id
        # aiokafka clients must be created on the running event loop: see ``_start``.
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def _start(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._consumer is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._bootstrap, client_id=self._client_id
            )
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap, group_id=None, client_id=self._client_id
            )
            await admin.start()
            await consumer.start()
            self._admin, self._consumer = admin, consumer
        return self._admin, self._consumer

    async def _partitions(self, admin: AIOKafkaAdminClient) -> list[TopicPartition]:
        """Partitions of the dead-letter topics that exist (from the broker's metadata)."""
        found: list[TopicPartition] = []
        for topic in await admin.describe_topics(self.topics):
            name = topic.get("topic", topic.get("name"))
            if topic.get("error_code", 0) != 0 or name not in self.topics:
                continue  # not created yet
            for partition in topic.get("partitions", ()):
                index = partition.get("partition", partition.get("partition_index"))
                found.append(TopicPartition(name, int(index)))
        return found

    async def sizes(self) -> dict[str, int]:
        """Current size of every dead-letter topic that exists."""
        admin, consumer = await self._start()
        partitions = await self._partitions(admin)
        if not partitions:
            return {}
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        sizes: dict[str, int] = {}
        for tp in partitions:
            sizes[tp.topic] = sizes.get(tp.topic, 0) + max(0, ends[tp] - starts[tp])
        return sizes

    async def poll_forever(self, interval_s: float) -> None:
        """Refresh the gauge every ``interval_s`` seconds."""
        while True:
            try:
                for topic, size in (await self.sizes()).items():
                    DLQ_SIZE.labels(topic).set(size)
            except Exception as exc:  # the broker may be briefly away; try again later
                log.warning("dead-letter sizes unavailable", extra={"error": repr(exc)})
            await asyncio.sleep(interval_s)

    async def stop(self) -> None:
        """Close the client."""
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()
        self._admin = self._consumer = None
