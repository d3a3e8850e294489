"""Webhook signatures already accepted, kept for the freshness window (then expired by a TTL
index): a signature seen before is a replay. In the database, so every replica agrees."""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from closeloop_shared.mongo import Document, IndexSpec

COLLECTION = "webhook_signatures"
# Kept twice the window: a timestamp may be up to one window in the future.
INDEXES = [IndexSpec(COLLECTION, [("expires_at", 1)], options={"expireAfterSeconds": 0})]


class SeenSignatures:
    """Records each accepted webhook signature once."""

    def __init__(self, collection: AsyncCollection[Document], window_s: float) -> None:
        self.collection, self.keep = collection, timedelta(seconds=2 * window_s)

    async def first_time(self, source: str, signature: str, now: datetime) -> bool:
        """Record ``signature`` (received for ``source``); False when it was recorded before,
        for any source (a replay)."""
        try:
            await self.collection.insert_one(
                {"_id": signature, "source": source, "expires_at": now + self.keep}
            )
        except DuplicateKeyError:
            return False
        return True
