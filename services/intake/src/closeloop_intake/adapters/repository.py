"""The complaint collection: one document per complaint, carrying its state, ``version``,
``timeline`` and pending ``outbox`` events.

Every change is a single ``update_one`` filtered on ``{_id, version}`` that sets the new
state, increments the version and pushes the change's events and timeline entries, so the
state and the events that announce it are written atomically or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from closeloop_intake.adapters.outbox import outbox_entry
from closeloop_intake.adapters.page_ends import PageEnds
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.mongo import Document, IndexSpec, applied_once

COLLECTION = "complaints"
_NEWEST = [("received_at", -1), ("_id", -1)]
_DUE = [("due_at", 1), ("_id", 1)]
# Fields never needed outside the service layer; left out of ordinary reads.
HEAVY_FIELDS = {"outbox": 0, "applied_events": 0, "timeline": 0, "request_fingerprint": 0}

INDEXES = [
    IndexSpec(COLLECTION, [("idempotency_key", 1)], unique=True, options={"sparse": True}),
    IndexSpec(COLLECTION, [("outbox.id", 1)], options={"sparse": True}),
    IndexSpec(COLLECTION, [("customer_pseudonym", 1), ("received_at", -1)]),
    IndexSpec(COLLECTION, _NEWEST),
    *(
        IndexSpec(COLLECTION, [(name, 1), *_NEWEST])
        for name in ("status", "department", "severity", "channel", "kind", "assignee")
    ),
    # Worklists: by next deadline, and by severity then deadline; per assignee and per
    # department too, so "my complaints by deadline" is one seek (complaint_queries.SORTS).
    *(
        IndexSpec(COLLECTION, [*prefix, *order])
        for prefix in ([], [("assignee", 1)], [("department", 1)])
        for order in (_DUE, [("severity_rank", 1), *_DUE])
    ),
    # Find the caller: one blind index per searchable contact field, newest first.
    *(
        IndexSpec(COLLECTION, [(f"blind.{kind}", 1), *_NEWEST], options={"sparse": True})
        for kind in ("phone", "email", "customer_id", "name")
    ),
]


def _push(events: Sequence[CloudEvent], timeline: Sequence[Document]) -> Document:
    return {
        "outbox": {"$each": [outbox_entry(e) for e in events]},
        "timeline": {"$each": list(timeline)},
    }


class ComplaintRepository:
    """Reads and atomic writes of complaint documents."""

    def __init__(
        self, db: AsyncDatabase[Document], *, on_write: Callable[[], None] = lambda: None
    ) -> None:
        self.collection = db[COLLECTION]
        self._on_write = on_write  # wakes the outbox relay
        self.page_ends = PageEnds()  # where the lists' first pages ended (page_ends)

    async def insert(
        self, doc: Document, events: Sequence[CloudEvent], timeline: Sequence[Document]
    ) -> None:
        """Insert a new complaint with its first events (DuplicateKeyError on a reused
        idempotency key)."""
        full = {**doc, "outbox": [outbox_entry(e) for e in events], "timeline": list(timeline)}
        await self.collection.insert_one(full)
        self._on_write()

    async def get(self, complaint_id: str, *, full: bool = False) -> Document | None:
        """One complaint (without outbox, timeline and fingerprints unless ``full``)."""
        projection = None if full else HEAVY_FIELDS
        return await self.collection.find_one({"_id": complaint_id}, projection)

    async def by_idempotency_key(self, key: str) -> Document | None:
        """The complaint registered with ``key`` (fingerprint included)."""
        return await self.collection.find_one({"idempotency_key": key}, {"outbox": 0})

    async def recent_of_customer(self, pseudonym: str, since: datetime) -> list[Document]:
        """The customer's complaints received since ``since`` (duplicate candidates)."""
        cursor = self.collection.find(
            {"customer_pseudonym": pseudonym, "received_at": {"$gte": since}},
            {"description": 1, "demand": 1, "received_at": 1, "customer_pseudonym": 1},
        )
        return await cursor.sort("received_at", -1).limit(100).to_list()

    async def apply_change(
        self,
        complaint_id: str,
        *,
        expected_version: int,
        changes: Document,
        events: Sequence[CloudEvent],
        timeline: Sequence[Document],
        event_id: str | None = None,
    ) -> bool:
        """Set ``changes``, bump the version and push events and timeline entries, if the
        complaint is still at ``expected_version`` (and ``event_id``, when given, was not
        applied yet). False when nothing matched."""
        flt: Document = {"_id": complaint_id, "version": expected_version}
        update: dict[str, Any] = {
            "$set": changes,
            "$inc": {"version": 1},
            "$push": _push(events, timeline),
        }
        if event_id is not None:
            once_filter, once_update = applied_once(event_id)
            flt |= once_filter
            update["$push"] |= once_update["$push"]
        result = await self.collection.update_one(flt, update)
        if result.modified_count and events:
            self._on_write()
        return bool(result.modified_count)

    async def record_access(
        self, complaint_id: str, *, events: Sequence[CloudEvent], timeline: Sequence[Document]
    ) -> bool:
        """Push events and timeline entries of a read that must be audited (no version bump:
        the complaint did not change). False when there is no such complaint."""
        update = {"$push": _push(events, timeline)}
        result = await self.collection.update_one({"_id": complaint_id}, update)
        if result.modified_count and events:
            self._on_write()
        return bool(result.modified_count)

    async def apply_projection(
        self, complaint_id: str, *, event_id: str, changes: Document, timeline: Sequence[Document]
    ) -> bool:
        """Project another service's event onto the view once (no version bump: the
        aggregate did not change, only what intake knows about it)."""
        once_filter, once_update = applied_once(event_id)
        update: dict[str, Any] = {"$push": {**once_update["$push"], **_push((), timeline)}}
        if changes:
            update["$set"] = changes
        result = await self.collection.update_one({"_id": complaint_id, **once_filter}, update)
        return bool(result.modified_count)

    async def was_applied(self, complaint_id: str, event_id: str) -> bool:
        """True if ``event_id`` was already applied to the complaint."""
        found = await self.collection.find_one(
            {"_id": complaint_id, "applied_events": event_id}, {"_id": 1}
        )
        return found is not None
