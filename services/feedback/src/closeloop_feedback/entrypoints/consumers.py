"""Kafka entry points of the feedback service: decode → handler → done."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from closeloop_feedback.service_layer.lifecycle import EventHandlers
from closeloop_feedback.service_layer.staff_notifications import StaffNotifications
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.consumer import Record
from closeloop_shared.topics import (
    COMPLAINT_LIFECYCLE,
    ROUTING_DIRECTORY,
    ROUTING_EVENTS,
    SLA_EVENTS,
)

log = logging.getLogger(__name__)

CONSUMED_TOPICS = [COMPLAINT_LIFECYCLE.name, SLA_EVENTS.name, ROUTING_EVENTS.name]
STAFF_TOPICS = [ROUTING_EVENTS.name, ROUTING_DIRECTORY.name]


def consumer_handler(handlers: EventHandlers) -> Callable[[CloudEvent, Record], Awaitable[None]]:
    """The consumer loop's handler: apply one event (idempotent; raises to be retried)."""

    async def handle_event(event: CloudEvent, record: Record) -> None:
        log.debug("event received", extra={"type": event.type, "topic": record.topic})
        await handlers.handle(event)

    return handle_event


def staff_handler(staff: StaffNotifications) -> Callable[[CloudEvent, Record], Awaitable[None]]:
    """The staff group's handler: directory entries and staff notifications."""

    async def handle_staff_event(event: CloudEvent, record: Record) -> None:
        await staff.handle(event)

    return handle_staff_event
