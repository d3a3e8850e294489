"""Kafka entry points of the routing service: decode → handler → done."""

from __future__ import annotations

import logging

from closeloop_routing.service.context import RoutingContext
from closeloop_routing.service.escalations import on_clock_breached, on_clock_warning
from closeloop_routing.service.lifecycle import on_complaint_finished, on_complaint_reopened
from closeloop_routing.service.received import on_complaint_received
from closeloop_shared.events import intake, sla
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.consumer import Record
from closeloop_shared.topics import COMPLAINT_LIFECYCLE, SLA_EVENTS

log = logging.getLogger(__name__)

CONSUMED_TOPICS = [COMPLAINT_LIFECYCLE.name, SLA_EVENTS.name]


class RoutingConsumer:
    """Applies the lifecycle and SLA events routing acts on; ignores the others.

    Every handler is idempotent (a redelivery changes nothing) and raises on failure so the
    shared consumer loop retries and finally dead-letters the record.
    """

    def __init__(self, ctx: RoutingContext) -> None:
        self._ctx = ctx

    async def handle(self, event: CloudEvent, record: Record) -> None:
        data, ctx = event.data, self._ctx
        if isinstance(data, intake.ComplaintReceived):
            await on_complaint_received(ctx, event)
        elif isinstance(data, intake.ComplaintResolved | intake.ComplaintClosed):
            await on_complaint_finished(ctx, data.complaint_id, data.version)
        elif isinstance(data, intake.ComplaintReopened):
            await on_complaint_reopened(ctx, data.complaint_id, data.version, event.id)
        elif isinstance(data, sla.ClockWarning):
            await on_clock_warning(ctx, event)
        elif isinstance(data, sla.ClockBreached):
            await on_clock_breached(ctx, event)
        else:
            log.debug("event not for routing", extra={"type": event.type, "topic": record.topic})
