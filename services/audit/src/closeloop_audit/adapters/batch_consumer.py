"""A batch consumer: hand whole fetched batches to one handler, commit after it succeeded.

The shared ``ConsumerLoop`` handles one record at a time and dead-letters what keeps
failing. The audit log needs neither: it appends batches (one ordered insert per batch)
and must never skip a record, so a failing batch is retried until it succeeds. Offsets are
committed only after the handler returned, so a crash between the insert and the commit
redelivers records that the (idempotent) handler then recognises and skips.

Because a batch is retried without end, the consumer reports its progress like the shared
loop (:class:`~closeloop_shared.kafka.supervision.Progress`): a batch failing for longer
than ``stall_after_s``, or a task that ended, fails liveness and the process is restarted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from closeloop_shared.kafka.consumer import TRANSIENT_ERRORS
from closeloop_shared.kafka.supervision import Progress
from closeloop_shared.observability.metrics import (
    CONSUMER_DURATION,
    CONSUMER_LAG,
    CONSUMER_MESSAGES,
)

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord
BatchHandler = Callable[[Sequence[Record]], Awaitable[None]]
MAX_BACKOFF_S = 5.0


class BatchConsumer:
    """Consumes ``topics`` in group ``group_id`` and feeds batches to ``handler``."""

    def __init__(
        self,
        *,
        bootstrap: str,
        group_id: str,
        topics: Sequence[str],
        handler: BatchHandler,
        batch_size: int = 200,
        backoff_s: float = 0.2,
        client_id: str | None = None,
        stall_after_s: float = 300.0,
    ) -> None:
        self.group_id = group_id
        self.topics = list(topics)
        self._handler = handler
        self._batch_size = batch_size
        self._backoff_s = backoff_s
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            client_id=client_id or group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
        )
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.progress = Progress(group_id)
        self.stall_after_s = stall_after_s

    @property
    def assigned(self) -> bool:
        """True once the group gave this consumer its partitions (a readiness condition)."""
        return bool(self._consumer.assignment())

    @property
    def alive(self) -> bool:
        """The liveness condition: the task runs and no batch is stuck past the bound."""
        return self.progress.alive(self.stall_after_s)

    async def start(self) -> None:
        """Join the group and start consuming in a background task."""
        self._consumer.subscribe(self.topics)
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"batch-consumer:{self.group_id}")
        self._task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if not self._stopping.is_set():
            self.progress.ended = True
            log.critical("batch consumer task ended", extra={"error": repr(error)})

    async def stop(self) -> None:
        """Finish the batch in hand, commit it, and leave the group."""
        self._stopping.set()
        if self._task:
            await asyncio.wait([self._task])  # its failure, if any, was logged when it ended
        await self._consumer.stop()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                fetched = await self._consumer.getmany(timeout_ms=200, max_records=self._batch_size)
            except Exception as exc:
                log.warning("kafka fetch failed; retrying", extra={"error": repr(exc)})
                await asyncio.sleep(1)
                continue
            records = [record for batch in fetched.values() for record in batch]
            if records and await self._handle(records):
                await self._commit(fetched)
            await self._report_lag()

    async def _handle(self, records: list[Record]) -> bool:
        """Run the handler until it succeeds: a batch is never skipped. False when asked to
        stop first (the batch is not committed, so it is redelivered)."""
        started = time.perf_counter()
        self.progress.record_started()
        attempt = 0
        while True:
            try:
                await self._handler(records)
                break
            except Exception as exc:
                if self._stopping.is_set():
                    return False
                delay = min(MAX_BACKOFF_S, self._backoff_s * 2 ** min(attempt, 6))
                log.warning(
                    "batch failed; retrying",
                    extra={"records": len(records), "attempt": attempt, "error": repr(exc)},
                )
                for topic in {r.topic for r in records}:
                    CONSUMER_MESSAGES.labels(self.group_id, topic, "retried").inc()
                await asyncio.sleep(delay)
                attempt += 1
        self.progress.record_finished()
        elapsed = time.perf_counter() - started
        for record in records:
            CONSUMER_MESSAGES.labels(self.group_id, record.topic, "ok").inc()
            CONSUMER_DURATION.labels(self.group_id, record.topic).observe(elapsed / len(records))
        return True

    async def _commit(self, fetched: dict[TopicPartition, list[Record]]) -> None:
        offsets = {tp: batch[-1].offset + 1 for tp, batch in fetched.items() if batch}
        while True:
            try:
                await self._consumer.commit(offsets)
                return
            except TRANSIENT_ERRORS:
                await asyncio.sleep(0.5)
            except Exception as exc:  # rebalanced away: the next owner re-reads and dedupes
                log.warning("commit failed", extra={"error": repr(exc)})
                return

    async def _report_lag(self) -> None:
        per_topic: dict[str, int] = {}
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            if high is None:
                continue
            try:
                position = await self._consumer.position(tp)
            except Exception:  # noqa: S112 - unknown right after a rebalance; next round
                continue
            per_topic[tp.topic] = per_topic.get(tp.topic, 0) + max(0, high - position)
        for topic, lag in per_topic.items():
            CONSUMER_LAG.labels(self.group_id, topic).set(lag)
        self.progress.lag_measured(sum(per_topic.values()))
