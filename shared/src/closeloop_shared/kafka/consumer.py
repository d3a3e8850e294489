"""The consumer loop: at-least-once delivery with an effectively-once effect.

Offsets are committed only after the handler returned, i.e. after its effect is durable;
handlers are idempotent (see ``closeloop_shared.mongo.applied_once``), so a redelivery
after a crash changes nothing. A record that keeps failing goes to ``<topic>.dlq`` with the
error in headers and the partition keeps flowing. Infrastructure outages (database or broker
unreachable) are not the record's fault: they are retried for longer (``transient_retry_s``)
before the record is dead-lettered, so no error is retried forever.

Supervision: a dead-letter send is itself retried; if it still fails, the record can be
neither handled nor parked, so the partition is paused (nothing after it is consumed out of
order), the loop reports itself failed (readiness goes false) and ``on_fatal`` asks the
process to exit for its supervisor to restart it; the record's offset was not committed, so
it is redelivered. :class:`~closeloop_shared.kafka.supervision.Progress` tracks progress for
the liveness check.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from pymongo.errors import ConnectionFailure, OperationFailure

from closeloop_shared.events.envelope import CloudEvent, InvalidEvent, decode_event
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.supervision import Progress
from closeloop_shared.observability.metrics import (
    CONSUMER_DURATION,
    CONSUMER_LAG,
    CONSUMER_MESSAGES,
    DEAD_LETTERS,
)

log = logging.getLogger(__name__)

Record: TypeAlias = ConsumerRecord
Handler = Callable[[CloudEvent, Record], Awaitable[None]]
OnFatal = Callable[[str], None]
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionFailure,  # includes AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError
    KafkaConnectionError,
    KafkaTimeoutError,
    ConnectionError,
    TimeoutError,
)


def is_transient(exc: BaseException) -> bool:
    """True for outages of a dependency, which are retried for longer than a record's own
    failures."""
    if isinstance(exc, OperationFailure):
        return exc.code in (91, 189, 11600, 11602)  # shutdown / stepdown codes
    return isinstance(exc, TRANSIENT_ERRORS)


class DeadLetterFailed(Exception):
    """The dead-letter topic did not take a record after every attempt."""


class ConsumerLoop:
    """Consumes ``topics`` in consumer group ``group_id`` and feeds ``handler``."""

    def __init__(
        self,
        *,
        bootstrap: str,
        group_id: str,
        topics: Sequence[str],
        handler: Handler,
        dlq_producer: EventProducer,
        max_retries: int = 3,
        backoff_s: float = 0.2,
        batch_size: int = 200,
        client_id: str | None = None,
        transient_retry_s: float = 120.0,
        dlq_send_attempts: int = 5,
        stall_after_s: float = 300.0,
        on_fatal: OnFatal | None = None,
    ) -> None:
        self.group_id = group_id
        self.topics = list(topics)
        self._handler = handler
        self._dlq = dlq_producer
        self._max_retries = max_retries
        self._backoff_s = backoff_s
        self._batch_size = batch_size
        self._transient_retry_s = transient_retry_s
        self._dlq_send_attempts = max(1, dlq_send_attempts)
        self.stall_after_s = stall_after_s
        self._on_fatal = on_fatal
        self.progress = Progress(group_id)
        self.failed: str | None = None  # why this loop gave up (readiness is false then)
        self._consumer_args = {
            "bootstrap_servers": bootstrap,
            "group_id": group_id,
            "client_id": client_id or group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "isolation_level": "read_committed",
        }
        self._kafka: AIOKafkaConsumer | None = None
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.healthy = True

    @property
    def _consumer(self) -> AIOKafkaConsumer:
        if self._kafka is None:
            raise RuntimeError("ConsumerLoop.start() must be awaited first")
        return self._kafka

    @property
    def assigned(self) -> bool:
        """True once the group gave this consumer its partitions (a readiness condition)."""
        return self._kafka is not None and bool(self._kafka.assignment())

    @property
    def alive(self) -> bool:
        """The liveness condition: the loop runs (or was asked to stop) and is not stalled."""
        return self.progress.alive(self.stall_after_s)

    async def start(self) -> None:
        """Join the group and start consuming in a background task (aiokafka clients must be
        created inside the running event loop)."""
        self._kafka = AIOKafkaConsumer(**self._consumer_args)
        self._consumer.subscribe(self.topics)
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"consumer:{self.group_id}")
        self._task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        error = None if task.cancelled() else task.exception()
        if self._stopping.is_set() or self.failed:
            return  # asked to stop, or gave up on purpose (and asked for a restart)
        self.progress.ended = True
        log.critical(
            "consumer task ended while the service runs",
            extra={"group": self.group_id, "error": repr(error)},
        )

    async def stop(self) -> None:
        """Finish the record in hand, commit, and leave the group (graceful shutdown)."""
        self._stopping.set()
        if self._task:
            await asyncio.wait([self._task])  # its failure, if any, was logged when it ended
        await self._consumer.stop()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                batches = await self._consumer.getmany(timeout_ms=200, max_records=self._batch_size)
            except TRANSIENT_ERRORS as exc:
                log.warning("kafka fetch failed; retrying", extra={"error": repr(exc)})
                await asyncio.sleep(1)
                continue
            for tp, records in batches.items():
                if self._stopping.is_set():
                    break  # unhandled records are redelivered to the next owner
                try:
                    done = await self._handle_partition(tp, records)
                except DeadLetterFailed as exc:
                    await self._give_up(tp, exc)
                    return
                if done is not None:
                    await self._commit(tp, done)
            await self._report_lag()

    async def _handle_partition(self, tp: TopicPartition, records: list[Record]) -> int | None:
        last_done: int | None = None
        try:
            for record in records:
                if self._stopping.is_set():
                    break
                await self._handle(record)
                last_done = record.offset
        except DeadLetterFailed:
            if last_done is not None:
                await self._commit(tp, last_done)  # what was handled before it stays done
            raise
        return last_done

    async def _give_up(self, tp: TopicPartition, exc: DeadLetterFailed) -> None:
        """Pause the partition, fail readiness, and ask for a restart: the failed record is
        not committed, so the restarted process (or the next owner) handles it again."""
        self._consumer.pause(tp)
        self.failed = f"{tp.topic}[{tp.partition}]: {exc}"
        log.critical(
            "dead-letter send failed; partition paused",
            extra={"group": self.group_id, "topic": tp.topic, "partition": tp.partition},
        )
        if self._on_fatal is not None:
            self._on_fatal(f"consumer {self.group_id}: {self.failed}")

    async def _handle(self, record: Record) -> None:
        started = time.perf_counter()
        self.progress.record_started()
        attempt = 0
        outage_until: float | None = None
        while True:
            try:
                event = decode_event(record.value, record.headers)
                await self._handler(event, record)
                CONSUMER_MESSAGES.labels(self.group_id, record.topic, "ok").inc()
                break
            except InvalidEvent as exc:
                await self._dead_letter(record, exc, attempt + 1)
                break
            except Exception as exc:
                now = time.monotonic()
                if is_transient(exc) and (outage_until is None or now < outage_until):
                    outage_until = outage_until or now + self._transient_retry_s
                    self.healthy = False
                    log.warning(
                        "dependency unavailable; retrying record",
                        extra={"topic": record.topic, "offset": record.offset, "error": repr(exc)},
                    )
                    await asyncio.sleep(min(5.0, self._backoff_s * 2 ** min(attempt, 5)))
                    attempt += 1
                    continue
                if attempt >= self._max_retries:
                    await self._dead_letter(record, exc, attempt + 1)
                    break
                CONSUMER_MESSAGES.labels(self.group_id, record.topic, "retried").inc()
                await asyncio.sleep(self._backoff_s * 2**attempt)
                attempt += 1
        self.healthy = True
        self.progress.record_finished()
        CONSUMER_DURATION.labels(self.group_id, record.topic).observe(time.perf_counter() - started)

    async def _dead_letter(self, record: Record, exc: BaseException, attempts: int) -> None:
        dlq = f"{record.topic}.dlq"
        headers = [h for h in (record.headers or ()) if not h[0].startswith("x-dlq-")]
        headers += [
            ("x-dlq-error", str(exc)[:2000].encode()),
            ("x-dlq-error-type", type(exc).__name__.encode()),
            ("x-dlq-original-topic", record.topic.encode()),
            ("x-dlq-original-partition", str(record.partition).encode()),
            ("x-dlq-original-offset", str(record.offset).encode()),
            ("x-dlq-consumer-group", self.group_id.encode()),
            ("x-dlq-attempts", str(attempts).encode()),
            ("x-dlq-failed-at", datetime.now(UTC).isoformat().encode()),
        ]
        await self._send_dead_letter(dlq, record, headers)
        DEAD_LETTERS.labels(record.topic).inc()
        CONSUMER_MESSAGES.labels(self.group_id, record.topic, "dead_lettered").inc()
        log.error(
            "record dead-lettered",
            extra={
                "topic": record.topic,
                "offset": record.offset,
                "dlq": dlq,
                "error_type": type(exc).__name__,
            },
        )

    async def _send_dead_letter(
        self, dlq: str, record: Record, headers: list[tuple[str, bytes]]
    ) -> None:
        """Send to the DLQ, retried with backoff; :class:`DeadLetterFailed` after the last
        attempt (the caller must not commit past the record then)."""
        for attempt in range(self._dlq_send_attempts):
            try:
                await self._dlq.send_raw(dlq, record.value, key=record.key, headers=headers)
                return
            except Exception as exc:
                log.error(
                    "dead-letter send failed",
                    extra={"dlq": dlq, "attempt": attempt + 1, "error": repr(exc)},
                )
                if attempt + 1 == self._dlq_send_attempts:
                    raise DeadLetterFailed(f"{dlq} refused the record: {exc!r}") from exc
                await asyncio.sleep(min(5.0, self._backoff_s * 2**attempt))

    async def _commit(self, tp: TopicPartition, offset: int) -> None:
        while True:
            try:
                await self._consumer.commit({tp: offset + 1})
                return
            except TRANSIENT_ERRORS:
                await asyncio.sleep(0.5)
            except Exception as exc:  # rebalanced away: the next owner re-handles
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
