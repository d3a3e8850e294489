"""Staff notifications: one document per (event, recipient) — the caller's list in
``GET /v1/notifications`` and the e-mail to send — and one per (event, department) for
the department's chat webhook. Deterministic ids make a redelivered event create nothing;
``next_attempt_at`` is the scheduled send (durable: a restart loses no waiting notice).
Claiming, leases and retries are the customer outbox's (:class:`NotificationStore`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from closeloop_feedback.adapters.notification_store import NotificationStore
from closeloop_shared.mongo import DUPLICATE_KEY, Document, IndexSpec

COLLECTION = "staff_notifications"
INDEXES = [
    IndexSpec(COLLECTION, [("status", 1), ("next_attempt_at", 1)]),
    IndexSpec(COLLECTION, [("recipient", 1), ("read", 1), ("created_at", -1)]),
]
INBOX = "email"  # the channel whose documents are the recipients' list entries


class StaffNotificationStore(NotificationStore):
    """Repository of ``staff_notifications``."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        super().__init__(db, COLLECTION)

    async def add_all(self, docs: Sequence[Document]) -> list[Document]:
        """Insert each document once, all in one command (one commit for every recipient of
        an event, not one each); returns those inserted, without the ones that exist (a
        redelivered event)."""
        if not docs:
            return []
        try:
            await self._coll.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            existing = {error["index"] for error in errors}
            return [doc for index, doc in enumerate(docs) if index not in existing]
        return list(docs)

    async def for_recipient(
        self, recipient: str, *, unread_only: bool = False, limit: int = 50
    ) -> list[Document]:
        """The recipient's notifications, unread first, newest first within each."""
        flt: Document = {"recipient": recipient, "channel": INBOX}
        if unread_only:
            flt["read"] = False
        cursor = self._coll.find(flt, {"history": 0}).sort([("read", 1), ("created_at", -1)])
        return [doc async for doc in cursor.limit(limit)]

    async def mark_read(
        self, notification_id: str, recipient: str, now: datetime
    ) -> Document | None:
        """Mark one of the recipient's notifications read (the first reading time stays);
        None when it is not theirs."""
        mine = {"_id": notification_id, "recipient": recipient, "channel": INBOX}
        doc = await self._coll.find_one_and_update(
            {**mine, "read": False},
            {"$set": {"read": True, "read_at": now}},
            projection={"history": 0},
            return_document=ReturnDocument.AFTER,
        )
        return doc if doc is not None else await self._coll.find_one(mine, {"history": 0})
