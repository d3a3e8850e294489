"""How far other services' consumer groups are behind on their topics: the signal for load
shedding.

A producer that accepts work faster than its consumers can carry it only moves the queue
somewhere less visible (requests waiting minutes, then a database draining a backlog at full
CPU). :class:`GroupBacklog` reads the committed offsets of the named groups and the end
offsets of the topics they read every ``interval_s`` and keeps the largest group's backlog,
in records, so a request handler can compare it with a bound without any I/O of its own.

A group counts on every topic it reads, not only the one the producer writes: a projection
that falls behind on the events its peers publish loads the shared database just the same.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

log = logging.getLogger(__name__)


def records_behind(
    end_offsets: dict[TopicPartition, int], committed: dict[TopicPartition, int]
) -> int:
    """Records of ``end_offsets``' partitions not yet committed.

    A partition the group never committed on counts as 0: a group that joined at the latest
    offset commits only once a record arrives, so counting from 0 would shed load for a
    history the group never meant to read."""
    return sum(max(0, end - committed[tp]) for tp, end in end_offsets.items() if tp in committed)


class GroupBacklog:
    """The largest backlog, in records, of ``groups`` over ``topics``; refreshed in the
    background. A group is counted on the partitions it has committed on, so a topic it does
    not read adds nothing.

    ``behind`` is ``None`` until the first reading and after a failed one, so that a broker
    outage does not freeze an old figure: callers decide what an unknown backlog means.
    """

    def __init__(
        self,
        bootstrap: str,
        topics: Sequence[str],
        groups: Sequence[str],
        *,
        interval_s: float = 1.0,
        client_id: str = "closeloop-backlog",
        on_reading: Callable[[int | None], None] = lambda _: None,
    ) -> None:
        self.bootstrap, self.topics, self.groups = bootstrap, tuple(topics), tuple(groups)
        self.interval_s = interval_s
        self.client_id = client_id
        self.on_reading = on_reading  # e.g. a gauge, kept current whether requests come or not
        self.behind: int | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None

    async def start(self) -> None:
        """Open the admin and metadata clients (no consumer group is joined)."""
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap, client_id=self.client_id
        )
        await self._admin.start()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=None, client_id=self.client_id
        )
        await self._consumer.start()

    async def stop(self) -> None:
        """Close both clients."""
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()

    async def partitions(self) -> list[TopicPartition]:
        """The topics' partitions, from fresh cluster metadata (a topic may be new)."""
        assert self._admin is not None, "start() first"
        described = await self._admin.describe_topics(list(self.topics))
        return [
            TopicPartition(topic["topic"], part["partition"])
            for topic in described
            if topic["topic"] in self.topics and topic["error_code"] == 0
            for part in topic["partitions"]
        ]

    async def read(self) -> int:
        """Read the backlog once, store it in ``behind`` and return it."""
        assert self._admin is not None and self._consumer is not None, "start() first"
        ends = await self._consumer.end_offsets(await self.partitions())
        worst = 0
        for group in self.groups:
            offsets = await self._admin.list_consumer_group_offsets(group, partitions=list(ends))
            committed = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
            worst = max(worst, records_behind(ends, committed))
        self.behind = worst
        self.on_reading(worst)
        return worst

    async def run_forever(self) -> None:
        """Re-read every ``interval_s``; a failed reading leaves ``behind`` unknown."""
        while True:
            try:
                await self.read()
            except Exception as exc:  # broker away or rebalancing: unknown, not stale
                self.behind = None
                self.on_reading(None)
                log.warning("backlog reading failed", extra={"error_type": type(exc).__name__})
            await asyncio.sleep(self.interval_s)
