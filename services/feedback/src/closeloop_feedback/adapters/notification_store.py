"""The durable outbox of customer notifications: one document per notification, keyed by a
deterministic id, claimed by the sender with a lease, marked with every attempt's result.

States: pending → sending → sent | pending (retry later) | failed. A sender that dies while
``sending`` loses its lease and the notification becomes pending again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_feedback.adapters.event_outbox import outbox_index, push_events
from closeloop_shared.mongo import Document, IndexSpec, count_matching

COLLECTION = "notifications"
INDEXES = [
    IndexSpec(COLLECTION, [("status", 1), ("next_attempt_at", 1)]),
    IndexSpec(COLLECTION, [("complaint_id", 1), ("created_at", 1)]),
    outbox_index(COLLECTION),
]


@dataclass(frozen=True)
class NewNotification:
    """A notification to create. ``channel`` None: no way to reach the customer (it is
    created already failed, so the gap is on record)."""

    id: str
    complaint_id: str
    trigger_id: str
    template: str
    channel: str | None
    language: str
    params: dict[str, Any]
    created_at: datetime
    survey_id: str | None = None
    failed_reason: str | None = None
    events: Sequence[Document] = field(default_factory=tuple)


@dataclass(frozen=True)
class Attempt:
    """The outcome of one send, appended to the notification's history."""

    number: int
    at: datetime
    result: str  # sent | retry | failed
    error: str | None = None

    def doc(self) -> Document:
        return {"attempt": self.number, "at": self.at, "result": self.result, "error": self.error}


class NotificationStore:
    """Repository of the ``notifications`` collection."""

    def __init__(self, db: AsyncDatabase[Document], collection: str = COLLECTION) -> None:
        self._coll = db[collection]

    async def create(self, n: NewNotification) -> bool:
        """Insert once; False when this id exists (a redelivered trigger)."""
        failed = n.failed_reason is not None
        doc: Document = {
            "_id": n.id,
            "complaint_id": n.complaint_id,
            "trigger_id": n.trigger_id,
            "template": n.template,
            "channel": n.channel,
            "language": n.language,
            "params": n.params,
            "survey_id": n.survey_id,
            "status": "failed" if failed else "pending",
            "attempts": 0,
            "next_attempt_at": None if failed else n.created_at,
            "created_at": n.created_at,
            "last_error": n.failed_reason,
            "history": [],
            "outbox": list(n.events),
        }
        if failed:
            doc["failed_at"] = n.created_at
        try:
            await self._coll.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    async def claim_due(self, now: datetime, lease: timedelta) -> Document | None:
        """Take the most overdue pending notification (or one whose sender's lease ran out)
        for sending; the attempt counter is incremented in the same write."""
        await self._coll.update_many(
            {"status": "sending", "lease_until": {"$lte": now}},
            {"$set": {"status": "pending"}},
        )
        return await self._coll.find_one_and_update(
            {"status": "pending", "next_attempt_at": {"$lte": now}},
            {"$set": {"status": "sending", "lease_until": now + lease}, "$inc": {"attempts": 1}},
            sort=[("next_attempt_at", 1)],
            return_document=ReturnDocument.AFTER,
        )

    async def finish(
        self,
        notification_id: str,
        attempt: Attempt,
        *,
        status: str,
        next_attempt_at: datetime | None = None,
        events: Sequence[Document] = (),
    ) -> bool:
        """Record an attempt's outcome; only the holder of this attempt may (a sender whose
        lease expired and was overtaken changes nothing)."""
        changes: dict[str, Any] = {
            "status": status,
            "next_attempt_at": next_attempt_at,
            "last_error": attempt.error,
        }
        if status in ("sent", "failed"):
            changes[f"{status}_at"] = attempt.at
        update: dict[str, Any] = {
            "$set": changes,
            "$unset": {"lease_until": ""},
            "$push": {"history": attempt.doc(), **push_events(events)},
        }
        result = await self._coll.update_one(
            {"_id": notification_id, "status": "sending", "attempts": attempt.number}, update
        )
        return result.modified_count == 1

    async def get(self, notification_id: str) -> Document | None:
        return await self._coll.find_one({"_id": notification_id}, {"outbox": 0})

    async def callback_made(
        self, notification_id: str, at: datetime, *, events: Sequence[Document]
    ) -> bool:
        """A notification delivered by an agent's phone call: sent now (once)."""
        result = await self._coll.update_one(
            {"_id": notification_id, "status": "callback_task"},
            {
                "$set": {"status": "sent", "sent_at": at},
                "$push": {"history": Attempt(0, at, "called").doc(), **push_events(events)},
            },
        )
        return result.modified_count == 1

    async def receipt(
        self, notification_id: str, *, status: str, at: datetime, error: str | None
    ) -> bool:
        """A delivery receipt of the provider; False for an unknown notification."""
        await self._coll.update_one(
            {"_id": notification_id, "delivery_status": {"$ne": status}},  # once per status
            {
                "$set": {"delivery_status": status, "delivery_at": at, "delivery_error": error},
                "$push": {"history": Attempt(0, at, f"receipt: {status}", error).doc()},
            },
        )
        return await self._coll.count_documents({"_id": notification_id}) == 1

    async def for_complaint(self, complaint_id: str) -> list[Document]:
        """Every notification of a complaint, oldest first (the communication record)."""
        cursor = self._coll.find({"complaint_id": complaint_id}, {"outbox": 0, "params": 0})
        return [doc async for doc in cursor.sort("created_at", 1)]

    async def count(self, status: str) -> int:
        return await count_matching(self._coll, {"status": status})


async def deliver_due(
    store: NotificationStore,
    now: Callable[[], datetime],
    lease: timedelta,
    deliver: Callable[[Document], Awaitable[None]],
    max_batch: int = 50,
) -> int:
    """Claim and ``deliver`` up to ``max_batch`` due notifications one at a time; return
    how many were attempted."""
    done = 0
    while done < max_batch:
        doc = await store.claim_due(now(), lease)
        if doc is None:
            break
        await deliver(doc)
        done += 1
    return done
