"""Listing complaints with an opaque cursor, and the counts behind the gauges.

Pages are ordered newest first by ``(received_at, _id)``; the cursor is the position of the
last item returned, so a page never repeats or skips an item while new complaints arrive.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime

from pymongo.asynchronous.collection import AsyncCollection

from closeloop_intake.adapters.repository import HEAVY_FIELDS
from closeloop_intake.domain.errors import FieldError
from closeloop_intake.domain.lifecycle import State
from closeloop_shared.mongo import PENDING_EVENTS, Document


@dataclass(frozen=True)
class ComplaintFilter:
    """Filters of ``GET /v1/complaints``; ``scope`` limits department users."""

    status: str | None = None
    department: str | None = None
    severity: str | None = None
    channel: str | None = None
    kind: str | None = None
    q: str | None = None
    scope: frozenset[str] | None = None  # None: every department


def encode_cursor(doc: Document) -> str:
    """The opaque cursor pointing just after ``doc``."""
    raw = json.dumps([doc["received_at"].isoformat(), doc["_id"]]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position a cursor points after; :class:`FieldError` on ``cursor`` if malformed."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, complaint_id = json.loads(raw)
        return datetime.fromisoformat(at), str(complaint_id)
    except (binascii.Error, ValueError, TypeError):
        raise FieldError("cursor", "is not a cursor returned by this API") from None


def _query(flt: ComplaintFilter, after: tuple[datetime, str] | None) -> Document:
    clauses: list[Document] = []
    for name in ("status", "severity", "channel", "kind", "department"):
        value = getattr(flt, name)
        if value is not None:
            clauses.append({name: value})
    if flt.scope is not None:
        clauses.append({"department": {"$in": sorted(flt.scope)}})
    if flt.q:
        pattern = {"$regex": re.escape(flt.q), "$options": "i"}
        clauses.append({"$or": [{"_id": flt.q}, {"description": pattern}, {"demand": pattern}]})
    if after is not None:
        at, last_id = after
        clauses.append(
            {"$or": [{"received_at": {"$lt": at}}, {"received_at": at, "_id": {"$lt": last_id}}]}
        )
    return {"$and": clauses} if clauses else {}


async def search_complaints(
    collection: AsyncCollection[Document],
    flt: ComplaintFilter,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[Document], str | None]:
    """One page of complaints matching ``flt`` and the cursor of the next page (or None)."""
    after = decode_cursor(cursor) if cursor else None
    found = (
        await collection.find(_query(flt, after), HEAVY_FIELDS)
        .sort([("received_at", -1), ("_id", -1)])
        .limit(limit + 1)
        .to_list()
    )
    page = found[:limit]
    return page, encode_cursor(page[-1]) if len(found) > limit and page else None


# Closed and archived complaints are done; counting them would only ever grow.
NOT_DONE = tuple(s for s in State if s not in (State.CLOSED, State.ARCHIVED))


async def count_by_status(collection: AsyncCollection[Document]) -> dict[str, int]:
    """How many complaints are in each state that is not done yet (zeros included)."""
    counts = {}
    for state in NOT_DONE:
        counts[str(state)] = await collection.count_documents({"status": str(state)})
    return counts


async def count_outbox_pending(collection: AsyncCollection[Document]) -> int:
    """Events written to outboxes and not yet published."""
    pipeline: list[Document] = [
        {"$match": PENDING_EVENTS},
        {"$project": {"n": {"$size": "$outbox"}}},
        {"$group": {"_id": None, "n": {"$sum": "$n"}}},
    ]
    rows = await (await collection.aggregate(pipeline)).to_list()
    return int(rows[0]["n"]) if rows else 0
