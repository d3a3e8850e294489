"""Each complaint's routing in MongoDB: one document per complaint, the source of truth
for its department, owners and place in the queue.

Every change is a conditional write on the document's revision (``rev``), so two
handlers of the same complaint cannot overwrite each other, and records the id of the
event that caused it (``applied_events``), so a redelivered event changes nothing. The
events a change produces are written with it (``outbox``) and removed once published.

The first decision is the exception, because it is the hot path: its events are kept as
``receipt_events`` and published before the received record's offset is committed, so a
redelivery re-sends them and no second write is needed to clear them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ClientBulkWriteException, DuplicateKeyError

from closeloop_routing.adapters.outbox_entries import to_entry
from closeloop_routing.domain.ownership import Ownership, Placement
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.mongo import (
    APPLIED_EVENTS_KEPT,
    DUPLICATE_KEY,
    Document,
    IndexSpec,
    count_matching,
)

COLLECTION = "routings"
INDEXES = [
    IndexSpec(COLLECTION, [("department", 1), ("placement", 1), ("enqueued_at", 1)]),
    IndexSpec(COLLECTION, [("outbox.at", 1)]),
    # The queue gauge and ``departments_with_queue`` filter on placement alone.
    IndexSpec(COLLECTION, [("placement", 1), ("department", 1)]),
]


@dataclass(frozen=True)
class RoutingRecord:
    """One complaint's routing as stored."""

    complaint_id: str
    rev: int
    placement: Placement
    ownership: Ownership
    severity: str = "normal"
    skill: str | None = None
    queue: str | None = None
    breaches: int = 0
    escalation_level: int = 0  # the highest reached; never lowered
    special_team: tuple[str, ...] = ()  # a major complaint's leader and team: kept on transfer
    lifecycle_version: int = 0
    enqueued_at: datetime | None = None
    applied_events: frozenset[str] = frozenset()
    outbox: tuple[dict[str, Any], ...] = ()
    doc: Document = field(default_factory=dict, repr=False, compare=False)

    @property
    def department(self) -> str:
        return self.ownership.department

    @property
    def holder(self) -> str | None:
        """The agent whose load this complaint counts in: its assignee while assigned."""
        return self.ownership.assignee if self.placement is Placement.ASSIGNED else None

    def pending(self, cause: str | None = None) -> list[dict[str, Any]]:
        """Unpublished events, all or only those caused by event ``cause``."""
        return [e for e in self.outbox if cause is None or e.get("cause") == cause]

    @property
    def receipt_events(self) -> list[dict[str, Any]]:
        """The events of the first decision (routed, assigned or queued, escalated)."""
        return list(self.doc.get("receipt_events") or ())


def ownership_fields(ownership: Ownership) -> Document:
    """The document fields that store ``ownership``."""
    return {
        "department": ownership.department,
        "assignee": ownership.assignee,
        "co_owners": list(ownership.co_owners),
        "first_contact_owner": ownership.first_contact_owner,
    }


def _first(doc: Document, cause: str, events: Sequence[CloudEvent]) -> Document:
    """The stored form of a complaint's first decision."""
    now = datetime.now(UTC)
    return {
        **doc,
        "rev": 1,
        "applied_events": [cause],
        "receipt_events": [to_entry(e, cause) for e in events],
        "created_at": now,
        "updated_at": now,
    }


def _record(doc: Document) -> RoutingRecord:
    return RoutingRecord(
        complaint_id=doc["_id"],
        rev=doc["rev"],
        placement=Placement(doc["placement"]),
        ownership=Ownership(
            department=doc["department"],
            assignee=doc.get("assignee"),
            co_owners=tuple(doc.get("co_owners") or ()),
            first_contact_owner=doc.get("first_contact_owner"),
        ),
        severity=doc.get("severity") or "normal",
        skill=doc.get("skill"),
        queue=doc.get("queue"),
        breaches=doc.get("breaches", 0),
        escalation_level=int(doc.get("escalation_level") or 0),
        special_team=tuple(doc.get("special_team") or ()),
        lifecycle_version=doc.get("lifecycle_version", 0),
        enqueued_at=doc.get("enqueued_at"),
        applied_events=frozenset(doc.get("applied_events") or ()),
        outbox=tuple(doc.get("outbox") or ()),
        doc=doc,
    )


class RoutingStore:
    """Reads and conditionally writes routing documents."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._coll = db[COLLECTION]

    async def insert(self, doc: Document, *, cause: str, events: Sequence[CloudEvent]) -> bool:
        """Create a complaint's routing with the events of its first decision (published by
        the caller before it acknowledges ``cause``); False if it exists already."""
        try:
            await self._coll.insert_one(_first(doc, cause, events))
        except DuplicateKeyError:
            return False
        return True

    async def insert_then_claim(
        self, doc: Document, claim: UpdateOne, *, cause: str, events: Sequence[CloudEvent]
    ) -> tuple[bool, bool]:
        """``insert``, then ``claim`` (an agent's slot, in another collection) only if the
        routing was created: in this order, in one round trip (a client bulk write).
        Returns (created, claimed); a crash between the two is repaired as after two
        separate writes."""
        insert = InsertOne(_first(doc, cause, events), namespace=self._coll.full_name)
        try:
            result = await self._coll.database.client.bulk_write([insert, claim], ordered=True)
        except ClientBulkWriteException as exc:
            errors = list(exc.details.get("writeErrors") or ())  # documents, as sent
            if exc.error is None and [(e.get("idx"), e.get("code")) for e in errors] == [
                (0, DUPLICATE_KEY)
            ]:
                return False, False  # it exists: nothing was written, nothing claimed
            raise
        return True, result.modified_count == 1

    async def revise_first(
        self, complaint_id: str, changes: Document, *, cause: str, events: Sequence[CloudEvent]
    ) -> bool:
        """Correct the first decision before anything else happened to the complaint (its
        chosen agent filled up meanwhile); False if something did."""
        result = await self._coll.update_one(
            {"_id": complaint_id, "rev": 1},
            {
                "$set": {
                    **changes,
                    "receipt_events": [to_entry(e, cause) for e in events],
                    "updated_at": datetime.now(UTC),
                },
                "$inc": {"rev": 1},
            },
        )
        return result.modified_count == 1

    async def get(self, complaint_id: str) -> RoutingRecord | None:
        doc = await self._coll.find_one({"_id": complaint_id})
        return _record(doc) if doc else None

    async def update(
        self,
        record: RoutingRecord,
        changes: Document,
        *,
        cause: str | None,
        events: Sequence[CloudEvent] = (),
        push: Document | None = None,
    ) -> bool:
        """Apply ``changes`` if nobody changed the document since ``record`` was read and
        ``cause`` (an event id) was not applied yet; store ``events`` with them."""
        flt: Document = {"_id": record.complaint_id, "rev": record.rev}
        pushes: Document = dict(push or {})
        if cause is not None:
            flt["applied_events"] = {"$ne": cause}
            pushes["applied_events"] = {"$each": [cause], "$slice": -APPLIED_EVENTS_KEPT}
        if events:
            pushes["outbox"] = {"$each": [to_entry(e, cause) for e in events]}
        update: Document = {
            "$set": {**changes, "updated_at": datetime.now(UTC)},
            "$inc": {"rev": 1},
        }
        if pushes:
            update["$push"] = pushes
        result = await self._coll.update_one(flt, update)
        return result.modified_count == 1

    async def mark_done(self, complaint_id: str, lifecycle_version: int) -> bool:
        """Resolved or closed at ``lifecycle_version``: the complaint no longer waits or
        weighs on anyone. Ignored if a later lifecycle change (a reopening) was applied,
        so a redelivered old event cannot undo a newer one."""
        result = await self._coll.update_one(
            {"_id": complaint_id, "lifecycle_version": {"$lt": lifecycle_version}},
            {
                "$set": {
                    "placement": Placement.DONE.value,
                    "lifecycle_version": lifecycle_version,
                    "updated_at": datetime.now(UTC),
                },
                "$inc": {"rev": 1},
            },
        )
        return result.modified_count == 1

    async def queued(self, department: str, limit: int = 500) -> list[RoutingRecord]:
        """Complaints waiting in ``department``'s queue, oldest first."""
        cursor = (
            self._coll.find(
                {"department": department, "placement": Placement.QUEUED.value},
                {"outbox": 0, "applied_events": 0, "receipt_events": 0},
            )
            .sort("enqueued_at", 1)
            .limit(limit)
        )
        return [_record(doc) async for doc in cursor]

    async def open_counts(self, departments: Sequence[str]) -> dict[str, int]:
        """How many complaints are assigned or waiting in each of ``departments``."""
        counts = {}
        for department in departments:
            counts[department] = await count_matching(self._coll, open_filter(department))
        return counts

    async def departments_with_queue(self) -> list[str]:
        """Departments where at least one complaint waits."""
        found = await self._coll.distinct("department", {"placement": Placement.QUEUED.value})
        return sorted(str(d) for d in found)

    async def stale_outboxes(self, before: datetime, limit: int = 100) -> list[RoutingRecord]:
        """Documents holding events written before ``before`` and still unpublished."""
        cursor = self._coll.find({"outbox.at": {"$lt": before}}).limit(limit)
        return [_record(doc) async for doc in cursor]

    async def clear_outboxes(self, published: Mapping[str, Sequence[str]]) -> None:
        """Forget published events: complaint id → event ids, in one bulk write."""
        if not published:
            return
        await self._coll.bulk_write(
            [
                UpdateOne({"_id": cid}, {"$pull": {"outbox": {"id": {"$in": list(ids)}}}})
                for cid, ids in published.items()
            ],
            ordered=False,
        )


def open_filter(department: str) -> dict[str, Any]:
    """Complaints assigned or waiting in ``department``: an ``$in`` of the open placements,
    which the database seeks on the (department, placement) index; it scans the whole
    collection for the equivalent ``$ne: done``."""
    open_ = sorted(p.value for p in Placement if p is not Placement.DONE)
    return {"department": department, "placement": {"$in": open_}}
