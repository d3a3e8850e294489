"""Feedback's own per-complaint record: how to reach the customer (sealed, exactly as it
arrived on the lifecycle topic; opened only at the moment of sending), their language, and
the department (for CSAT per department). Built from events; never read from intake."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_shared.mongo import Document, IndexSpec

COLLECTION = "complaints"
INDEXES = [IndexSpec(COLLECTION, [("department", 1)])]


@dataclass(frozen=True)
class ComplaintRecord:
    """What feedback knows about one complaint."""

    complaint_id: str
    customer_sealed: str
    language: str
    channel: str
    contact_methods: tuple[str, ...]
    department: str | None
    status: str | None
    callback_deadline: datetime | None = None
    severity: str | None = None
    assignee: str | None = None


def _record(doc: Document) -> ComplaintRecord:
    return ComplaintRecord(
        complaint_id=doc["_id"],
        customer_sealed=doc.get("customer_sealed", ""),
        language=doc.get("language", "zh-CN"),
        channel=doc.get("channel", "other"),
        contact_methods=tuple(doc.get("contact_methods", ())),
        department=doc.get("department"),
        status=doc.get("status"),
        callback_deadline=doc.get("callback_deadline"),
        severity=doc.get("severity"),
        assignee=doc.get("assignee"),
    )


class ComplaintRecords:
    """Repository of complaint records (collection ``complaints``)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._coll = db[COLLECTION]

    async def remember_received(
        self,
        complaint_id: str,
        *,
        customer_sealed: str,
        language: str,
        channel: str,
        contact_methods: list[str],
        pseudonym: str,
        received_at: datetime,
        severity: str | None = None,
    ) -> None:
        """Record the sealed contact of a new complaint (idempotent: same values again)."""
        await self._coll.update_one(
            {"_id": complaint_id},
            {
                "$set": {
                    "customer_sealed": customer_sealed,
                    "language": language,
                    "channel": channel,
                    "contact_methods": contact_methods,
                    "pseudonym": pseudonym,
                    "received_at": received_at,
                    "severity": severity,
                },
                "$setOnInsert": {"status": "received"},
            },
            upsert=True,
        )

    async def set_status(self, complaint_id: str, status: str, *, at: datetime) -> None:
        """Follow the complaint's status (only forward in time: a late event is ignored)."""
        await self._conditional_set(complaint_id, "status", status, at)

    async def set_department(self, complaint_id: str, department: str, *, at: datetime) -> None:
        """The department now responsible (a newer routing decision wins)."""
        await self._conditional_set(complaint_id, "department", department, at)

    async def set_assignee(self, complaint_id: str, assignee: str, *, at: datetime) -> None:
        """The agent now handling the complaint (a newer assignment wins)."""
        await self._conditional_set(complaint_id, "assignee", assignee, at)

    async def _conditional_set(
        self, complaint_id: str, field: str, value: str, at: datetime
    ) -> None:
        stamp = f"{field}_at"
        newer = {"$or": [{stamp: {"$exists": False}}, {stamp: {"$lte": at}}]}
        # DuplicateKeyError: the record exists with a newer value; this event is older.
        with contextlib.suppress(DuplicateKeyError):
            await self._coll.update_one(
                {"_id": complaint_id, **newer},
                {"$set": {field: value, stamp: at, "updated_at": datetime.now(UTC)}},
                upsert=True,
            )

    async def set_callback_deadline(self, complaint_id: str, deadline: datetime) -> None:
        """The SLA's satisfaction callback deadline (it may arrive before the resolution)."""
        await self._coll.update_one(
            {"_id": complaint_id}, {"$set": {"callback_deadline": deadline}}, upsert=True
        )

    async def get(self, complaint_id: str) -> ComplaintRecord | None:
        doc = await self._coll.find_one({"_id": complaint_id})
        return _record(doc) if doc else None
