"""Kafka entry points of the intake service: decode → handler → done.

Intake projects routing, SLA and feedback events onto the complaint view and reacts to
some (a dissatisfied customer reopens the complaint). Handlers are idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from closeloop_intake.service.context import ServiceContext
from closeloop_intake.service.projections import (
    apply_feedback_event,
    apply_routing_event,
    apply_sla_event,
)
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.consumer import Handler, Record
from closeloop_shared.topics import FEEDBACK_EVENTS, ROUTING_EVENTS, SLA_EVENTS

log = logging.getLogger(__name__)

CONSUMED_TOPICS = [ROUTING_EVENTS.name, SLA_EVENTS.name, FEEDBACK_EVENTS.name]
Apply = Callable[..., Awaitable[None]]
BY_TOPIC: dict[str, Apply] = {
    ROUTING_EVENTS.name: apply_routing_event,
    SLA_EVENTS.name: apply_sla_event,
    FEEDBACK_EVENTS.name: apply_feedback_event,
}


def event_handler(ctx: ServiceContext) -> Handler:
    """The consumer loop's handler, bound to the service context."""

    async def handle_event(event: CloudEvent, record: Record) -> None:
        """Apply one event (idempotent: a redelivery changes nothing)."""
        apply = BY_TOPIC.get(record.topic)
        if apply is None or not getattr(event.data, "complaint_id", None):
            return  # e.g. daily reports: nothing to project
        await apply(ctx=ctx, event=event)
        log.debug("event applied", extra={"type": event.type, "topic": record.topic})

    return handle_event
