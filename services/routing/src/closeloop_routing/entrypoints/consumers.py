"""Kafka entry points of the routing service: decode → handler → done."""

from __future__ import annotations

import logging

from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.consumer import Record
from closeloop_shared.topics import COMPLAINT_LIFECYCLE, SLA_EVENTS

log = logging.getLogger(__name__)

CONSUMED_TOPICS = [COMPLAINT_LIFECYCLE.name, SLA_EVENTS.name]


async def handle_event(event: CloudEvent, record: Record) -> None:
    """Apply one event (idempotent: a redelivery changes nothing)."""
    log.debug("event received", extra={"type": event.type, "topic": record.topic})
