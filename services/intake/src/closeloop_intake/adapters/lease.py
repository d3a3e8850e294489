"""A time-limited lease in MongoDB, so one replica at a time runs a singleton job (the
outbox relay). The holder renews it once a third of its time has passed (not on every relay
round: that was a write per round); if it dies, another replica takes over once the lease
has expired."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from closeloop_shared.mongo import Document


class Lease:
    """The lease named ``name``, held by this process while :meth:`acquire` returns True."""

    def __init__(self, collection: AsyncCollection[Document], name: str, ttl_s: float) -> None:
        self._collection = collection
        self._name = name
        self._ttl = timedelta(seconds=ttl_s)
        self.holder = f"{uuid.uuid4().hex[:12]}"
        self._held_until: datetime | None = None  # as written by our last successful acquire

    async def acquire(self) -> bool:
        """Take or renew the lease; False while another live holder has it."""
        now = datetime.now(UTC)
        if self._held_until is not None and self._held_until - now > self._ttl * 2 / 3:
            return True  # renewed recently: still ours for most of its time
        self._held_until = None
        try:
            await self._collection.find_one_and_update(
                {
                    "_id": self._name,
                    "$or": [{"expires_at": {"$lt": now}}, {"holder": self.holder}],
                },
                {"$set": {"holder": self.holder, "expires_at": now + self._ttl}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # the document exists and someone else holds it
        self._held_until = now + self._ttl
        return True

    async def release(self) -> None:
        """Give the lease up (on orderly shutdown) so another replica need not wait."""
        self._held_until = None
        await self._collection.delete_one({"_id": self._name, "holder": self.holder})
