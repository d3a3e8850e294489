"""Kafka entry points of the audit service: decode → handler → done."""

from __future__ import annotations

import logging

from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.consumer import Record
from closeloop_shared.topics import COMPLAINTS_PUBLIC, all_topics

log = logging.getLogger(__name__)

CONSUMED_TOPICS = [t.name for t in all_topics() if t is not COMPLAINTS_PUBLIC]


async def handle_event(event: CloudEvent, record: Record) -> None:
    """Apply one event (idempotent: a redelivery changes nothing)."""
    log.debug("event received", extra={"type": event.type, "topic": record.topic})
