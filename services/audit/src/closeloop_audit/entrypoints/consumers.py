"""Kafka entry point of the audit service: a fetched batch → the log → maybe a checkpoint.

The audit consumes every Closeloop topic, dead-letter topics and the public stream
included, except ``audit.checkpoints``, which it produces itself. Records are not decoded
as CloudEvents: the log takes whatever is on a topic, poison messages included.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import ConsumerRecord

from closeloop_audit.adapters.batch_consumer import BatchConsumer
from closeloop_audit.domain.records import RawRecord
from closeloop_audit.service.context import AuditContext
from closeloop_shared.events.envelope import header_map
from closeloop_shared.topics import AUDIT_CHECKPOINTS, all_topics

CONSUMED_TOPICS = [t.name for t in all_topics() if t is not AUDIT_CHECKPOINTS]
DLQ_TOPICS = [name for name in CONSUMED_TOPICS if name.endswith(".dlq")]


def raw_record(record: ConsumerRecord) -> RawRecord:
    """The audit's view of an aiokafka record."""
    return RawRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers=header_map(record.headers),
    )


class LogConsumer:
    """Appends each batch to the log, then lets the checkpointer act."""

    def __init__(self, ctx: AuditContext) -> None:
        self._ctx = ctx

    async def handle(self, records: Sequence[ConsumerRecord]) -> None:
        """Append a batch (idempotent: a redelivered batch appends only what is missing)."""
        await self._ctx.writer.append([raw_record(record) for record in records])
        await self._ctx.checkpointer.after_append()


def log_consumer(ctx: AuditContext) -> BatchConsumer:
    """The one consumer group feeding the log."""
    s = ctx.settings
    return BatchConsumer(
        bootstrap=s.kafka_bootstrap,
        group_id=s.audit_consumer_group,
        topics=CONSUMED_TOPICS,
        handler=LogConsumer(ctx).handle,
        batch_size=s.consumer_batch_size,
        backoff_s=s.consumer_retry_backoff_s,
        client_id=f"{s.kafka_client_id_prefix}-{s.audit_consumer_group}",
        stall_after_s=s.consumer_stall_after_s,
    )
