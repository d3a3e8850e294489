"""The clock agent: micro-batches of records → :class:`ClockProcessor`.

``take_events`` acknowledges a batch's records after the loop body, even when it fails, so
the body must not fail: the processor dead-letters bad records itself and retries broker
outages; anything else is retried here (acknowledging a batch whose effects were never
written would lose them) until the worker stops.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from closeloop_sla.config import SlaSettings
from closeloop_sla.service.clock_processor import ClockProcessor

log = logging.getLogger(__name__)


def register_clock_agent(
    app: Any, channel: Any, processor: ClockProcessor, settings: SlaSettings
) -> Any:
    """Declare the agent that applies every clock input to the table."""

    async def sla_clocks(stream: Any) -> None:
        async for events in stream.take_events(
            settings.sla_batch_max, within=settings.sla_batch_within_s
        ):
            attempt = 0
            while True:
                try:
                    await processor.process(events)
                    break
                except asyncio.CancelledError:
                    raise
                except Exception:
                    if app.should_stop:  # shutting down: the batch is redelivered later
                        raise
                    attempt += 1
                    log.exception("clock batch failed; retrying", extra={"attempt": attempt})
                    await asyncio.sleep(min(5.0, 0.2 * 2**attempt))

    return app.agent(channel, name="sla-clocks")(sla_clocks)
