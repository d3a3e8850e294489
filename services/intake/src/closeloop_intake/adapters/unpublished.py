"""How many accepted complaints still wait in intake's outbox for the relay: intake's own
share of the pipeline's backlog, read in the background for admission control."""

from __future__ import annotations

import asyncio
import logging

from pymongo.asynchronous.collection import AsyncCollection

from closeloop_shared.mongo import PENDING_EVENTS, Document

log = logging.getLogger(__name__)


class UnpublishedComplaints:
    """``behind``: complaints with events not yet on the topic, counted up to ``cap`` (a
    bound's worth is enough to decide, and keeps the count cheap when the outbox is long);
    ``None`` before the first reading and after a failed one."""

    def __init__(self, collection: AsyncCollection[Document], *, cap: int, interval_s: float):
        self._collection = collection
        self.cap = cap
        self.interval_s = interval_s
        self.behind: int | None = None

    async def read(self) -> int:
        """Count once, store it in ``behind`` and return it."""
        count = await self._collection.count_documents(PENDING_EVENTS, limit=self.cap)
        self.behind = count
        return count

    async def run_forever(self) -> None:
        """Re-count every ``interval_s``; a failed count leaves ``behind`` unknown."""
        while True:
            try:
                await self.read()
            except Exception as exc:  # database away: the guard answers 503 meanwhile
                self.behind = None
                log.warning("outbox count failed", extra={"error_type": type(exc).__name__})
            await asyncio.sleep(self.interval_s)
