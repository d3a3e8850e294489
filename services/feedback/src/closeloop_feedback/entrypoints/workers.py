"""Background loops of the feedback service, run by the runtime next to the consumers:
the notification sender, the survey timers, the event relay and the CSAT gauge."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from closeloop_feedback.container import Feedback
from closeloop_feedback.service_layer.clock import utc_now
from closeloop_feedback.service_layer.reports import refresh_csat_gauge
from closeloop_shared.observability.metrics import OUTBOX_PENDING

log = logging.getLogger(__name__)
Task = Callable[[], Awaitable[None]]


def background_tasks(feedback: Feedback) -> list[Task]:
    """The loops to run for the life of the process (restarted by the runtime on error)."""
    poll = feedback.settings.worker_poll_s

    async def notification_sender() -> None:
        while True:
            if not await feedback.delivery.deliver_due():
                await asyncio.sleep(poll)

    async def staff_sender() -> None:
        while True:
            if not await feedback.staff.deliver_due():
                await asyncio.sleep(poll)

    async def survey_timers() -> None:
        while True:
            if not await feedback.surveys.run_due(utc_now()):
                await asyncio.sleep(poll)

    async def event_relay() -> None:
        while True:
            if not await feedback.relay.relay_once():
                OUTBOX_PENDING.set(await feedback.relay.pending())
                await asyncio.sleep(poll)

    async def csat_gauge() -> None:
        while True:
            await refresh_csat_gauge(
                feedback.survey_store, now=utc_now(), window_days=feedback.settings.csat_window_days
            )
            await asyncio.sleep(feedback.settings.csat_refresh_s)

    return [notification_sender, staff_sender, survey_timers, event_relay, csat_gauge]
