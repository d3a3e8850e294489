"""A complaint's timeline, kept out of the complaint document so that stays small.

A change writes its timeline entries into the complaint document in the same atomic update
as the change itself (``repository``). The mover then copies them into the ``timeline``
collection, one row per entry, and removes them from the document. ``timeline`` in the
document holds only the entries not moved yet, and ``timeline_moved`` counts those already
in the collection, which are the oldest. A complaint that lives for years and gathers
thousands of notes keeps a document of a few kilobytes, and every read and rewrite of it
stays cheap.

A row's ``_id`` is ``<complaint id>:<position>``, with the position zero-padded so that
the rows sort in timeline order. Moving is safe to repeat and to run in two replicas at
once. Two movers write identical rows, and only the mover whose count is still current
removes the entries. A mover that dies between the two steps leaves rows that no read uses
(every read stops at ``timeline_moved``), and the next move writes them again.
"""

from __future__ import annotations

import asyncio

from pymongo import ReplaceOne, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_intake.adapters.repository import COLLECTION
from closeloop_shared.mongo import Document, IndexSpec

ROWS = "timeline"
# Complaints with entries still to move: a range over the entries' ids reads only the sparse
# index's entries, like the outbox's PENDING_EVENTS.
PENDING_ENTRIES: Document = {"timeline.id": {"$gt": ""}}
INDEXES = [IndexSpec(COLLECTION, [("timeline.id", 1)], options={"sparse": True})]


def row_id(complaint_id: str, position: int) -> str:
    """The ``_id`` of the entry at ``position`` (they sort as the timeline does)."""
    return f"{complaint_id}:{position:09d}"


def _moved_so_far(moved: int) -> Document:
    # A complaint written before the timeline moved out has no count yet: zero moved.
    return {"timeline_moved": {"$in": [0, None]}} if moved == 0 else {"timeline_moved": moved}


class TimelineStore:
    """Reads a complaint's timeline across both places, and moves its pending entries."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._complaints = db[COLLECTION]
        self._rows = db[ROWS]

    async def page(self, complaint_id: str, *, start: int, count: int) -> Document | None:
        """Up to ``count`` entries (oldest first) from position ``start``, as ``timeline``,
        with the fields that decide who may read them; None when there is no such
        complaint. The document is read first: the rows it counts as moved are final."""
        doc = await self._complaints.find_one(
            {"_id": complaint_id},
            {"timeline": 1, "timeline_moved": 1, "department": 1, "customer_sealed": 1},
        )
        if doc is None:
            return None
        moved = int(doc.pop("timeline_moved", 0) or 0)
        entries: list[Document] = []
        if start < moved:
            end = min(moved, start + count)
            span = {"$gte": row_id(complaint_id, start), "$lt": row_id(complaint_id, end)}
            rows = await self._rows.find({"_id": span}).sort("_id", 1).to_list()
            if len(rows) != end - start:
                raise RuntimeError(
                    f"timeline of {complaint_id}: {len(rows)} rows for positions "
                    f"{start}..{end - 1}; the timeline collection lost entries"
                )
            entries = [row["entry"] for row in rows]
        pending = doc.pop("timeline", None) or []
        skip = max(0, start - moved)
        entries += pending[skip : skip + count - len(entries)]
        return doc | {"timeline": entries}

    async def move_pending(self, batch: int) -> int:
        """Move the pending entries of up to ``batch`` complaints; returns how many
        complaints had some."""
        docs = await (
            self._complaints.find(PENDING_ENTRIES, {"timeline": 1, "timeline_moved": 1})
            .limit(batch)
            .to_list()
        )
        rows: list[ReplaceOne[Document]] = []
        removals: list[UpdateOne] = []
        for doc in docs:
            moved, entries = int(doc.get("timeline_moved") or 0), doc["timeline"]
            for i, entry in enumerate(entries):
                row = {"_id": row_id(doc["_id"], moved + i), "entry": entry}
                rows.append(ReplaceOne({"_id": row["_id"]}, row, upsert=True))
            ids = [entry["id"] for entry in entries]
            removals.append(
                UpdateOne(
                    {"_id": doc["_id"], **_moved_so_far(moved)},
                    {
                        "$pull": {"timeline": {"id": {"$in": ids}}},
                        "$inc": {"timeline_moved": len(ids)},
                    },
                )
            )
        if rows:
            await self._rows.bulk_write(rows, ordered=False)
            await self._complaints.bulk_write(removals, ordered=False)
        return len(docs)


class TimelineMover:
    """Moves pending timeline entries out of the complaint documents every ``interval_s``
    (a background task, which the runtime restarts after an error such as the database
    being down). Nothing waits for it: a pending entry reads the same as a moved one."""

    def __init__(self, store: TimelineStore, *, batch: int, interval_s: float) -> None:
        self._store = store
        self._batch = batch
        self._interval_s = interval_s

    async def run(self) -> None:
        """Move until cancelled."""
        while True:
            await asyncio.sleep(self._interval_s)
            while await self._store.move_pending(self._batch) >= self._batch:
                pass  # a full batch: more may be waiting
