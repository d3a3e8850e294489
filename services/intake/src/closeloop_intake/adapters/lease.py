"""A time-limited lease in MongoDB, so one replica at a time runs a singleton job (the
outbox relay). The holder renews it once a third of its time has passed (not on every relay
round: that was a write per round); if it dies, another replica takes over once the lease
has expired.

The lease is also a fence: before each publish batch the relay checks in the database that
it still holds the lease for longer than the batch may take (:meth:`Lease.fence`), and the
send is bounded by that time, so a relay paused past its lease (a long send, a stalled
process) finds out and stops instead of publishing next to the new holder."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, PyMongoError

from closeloop_shared.mongo import Document

log = logging.getLogger(__name__)


class Lease:
    """The lease named ``name``, held by this process while :meth:`acquire` returns True."""

    def __init__(self, collection: AsyncCollection[Document], name: str, ttl_s: float) -> None:
        self._collection = collection
        self._name = name
        self._ttl = timedelta(seconds=ttl_s)
        self.ttl_s = ttl_s
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

    async def fence(self, budget_s: float) -> bool:
        """True when the database still shows this process as the holder for at least
        ``budget_s`` more (renewing it once a third of its time has passed): the check before
        each publish batch. False, and the lease forgotten, once it lapsed or changed hands;
        only :meth:`acquire` takes it again."""
        if self._held_until is None:
            return False
        now = datetime.now(UTC)
        budget = timedelta(seconds=budget_s)
        mine = {"_id": self._name, "holder": self.holder}
        if self._held_until - now > max(self._ttl * 2 / 3, budget):
            held = await self._collection.find_one(
                {**mine, "expires_at": {"$gt": now + budget}}, {"_id": 1}
            )
        else:
            held = await self._collection.find_one_and_update(
                {**mine, "expires_at": {"$gt": now}},
                {"$set": {"expires_at": now + self._ttl}},
                projection={"_id": 1},
            )
            if held is not None:
                self._held_until = now + self._ttl
        if held is None:
            self.forget()
            log.warning(
                "lease lost; its job stops until it is acquired again", extra={"lease": self._name}
            )
            return False
        return True

    def forget(self) -> None:
        """Stop trusting the lease held (after a send that overran its budget): the next
        :meth:`acquire` asks the database again."""
        self._held_until = None

    async def release(self) -> None:
        """Give the lease up (on orderly shutdown) so another replica need not wait. Best
        effort: if the database refuses, the lease simply expires, and the rest of the
        shutdown (commits, producer flush) must still run."""
        self._held_until = None
        try:
            await self._collection.delete_one({"_id": self._name, "holder": self.holder})
        except PyMongoError as exc:
            log.warning("lease not released; it expires", extra={"error": repr(exc)})
