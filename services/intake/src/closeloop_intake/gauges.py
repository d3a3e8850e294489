"""Keeps the gauges that need a database count up to date (open complaints by status,
events waiting in outboxes)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pymongo.asynchronous.collection import AsyncCollection

from closeloop_intake.adapters.complaint_queries import count_by_status, count_outbox_pending
from closeloop_intake.metrics import COMPLAINTS_OPEN, OUTBOX_PENDING
from closeloop_shared.mongo import Document


async def refresh_gauges(collection: AsyncCollection[Document]) -> None:
    """Count once and set the gauges."""
    for state, count in (await count_by_status(collection)).items():
        COMPLAINTS_OPEN.labels(state).set(count)
    OUTBOX_PENDING.set(await count_outbox_pending(collection))


def gauge_refresher(
    collection: AsyncCollection[Document], interval_s: float
) -> Callable[[], Awaitable[None]]:
    """A background task refreshing the gauges every ``interval_s`` seconds."""

    async def refresh_gauges_forever() -> None:
        while True:
            await refresh_gauges(collection)
            await asyncio.sleep(interval_s)

    return refresh_gauges_forever
