"""Listing complaints with an opaque cursor, and the counts behind the gauges.

Pages are ordered newest first by ``(received_at, _id)``, or by the worklist orders
(``due_at`` — the next deadline — or severity then deadline); the cursor is the position of
the last item returned, so a page never repeats or skips an item while new complaints
arrive. Every order has its index (``repository.INDEXES``), so a page is one seek.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from closeloop_intake.adapters.page_ends import MARGIN, PageEnds, list_key
from closeloop_intake.adapters.repository import HEAVY_FIELDS
from closeloop_intake.domain.errors import FieldError
from closeloop_intake.domain.lifecycle import State
from closeloop_intake.metrics import FIRST_PAGE_READS
from closeloop_shared.mongo import PENDING_EVENTS, Document, count_matching

SortKeys = tuple[tuple[str, int], ...]
# ``sort=`` of ``GET /v1/complaints`` → the index order it reads; ``_id`` breaks ties so a
# cursor is a unique position.
SORTS: dict[str, SortKeys] = {
    "-received_at": (("received_at", -1), ("_id", -1)),
    "deadline": (("due_at", 1), ("_id", 1)),
    "severity": (("severity_rank", 1), ("due_at", 1), ("_id", 1)),
}
_DATES = frozenset({"received_at", "due_at"})
# Orders led by a date every complaint has (``due_at`` is NO_DEADLINE, never missing): a
# range on it bounds a first page (``page_ends``). A severity rank has too few values.
_BOUNDABLE = frozenset({"-received_at", "deadline"})
EVERY_DATE = datetime(1, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ComplaintFilter:
    """Filters of ``GET /v1/complaints``; ``scope`` limits department users; ``blind`` holds
    blind-index look-ups (``{"phone": hmac}``)."""

    status: str | None = None
    department: str | None = None
    severity: str | None = None
    channel: str | None = None
    kind: str | None = None
    q: str | None = None
    scope: frozenset[str] | None = None  # None: every department
    assignee: str | None = None
    blind: tuple[tuple[str, str], ...] = ()


def encode_cursor(doc: Document, sort: str = "-received_at") -> str:
    """The opaque cursor pointing just after ``doc`` in the ``sort`` order."""
    values = [_plain(doc.get(name)) for name, _ in SORTS[sort]]
    raw = json.dumps({"sort": sort, "after": values}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str = "-received_at") -> list[Any]:
    """The sort-key values a cursor points after; :class:`FieldError` on ``cursor`` if
    malformed or made for another sort order."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        keys = SORTS[sort]
        if raw["sort"] != sort or len(raw["after"]) != len(keys):
            raise ValueError("another order")
        return [
            datetime.fromisoformat(v) if name in _DATES and v is not None else v
            for (name, _), v in zip(keys, raw["after"], strict=True)
        ]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise FieldError("cursor", f"is not a cursor of this API for sort={sort}") from None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def seek_branches(keys: SortKeys, values: list[Any]) -> list[Document]:
    """The documents after ``values`` in the order ``keys``, as plain range conjunctions
    in the order their results follow each other (the deepest tie first). One ``$or`` of
    them would be the same set, but the database scans the collection for an ``$or``;
    each branch alone is an index seek."""
    branches: list[Document] = []
    for i, (name, direction) in enumerate(keys):
        branch: Document = {k: v for (k, _), v in zip(keys[:i], values[:i], strict=True)}
        branch[name] = {"$gt" if direction == 1 else "$lt": values[i]}
        branches.append(branch)
    return branches[::-1]


def complaint_query(flt: ComplaintFilter, *extra: Document) -> Document:
    """The database filter of ``flt`` (and of ``extra`` clauses, e.g. a seek branch)."""
    clauses: list[Document] = []
    for name in ("status", "severity", "channel", "kind", "department", "assignee"):
        value = getattr(flt, name)
        if value is not None:
            clauses.append({name: value})
    clauses.extend({f"blind.{kind}": value} for kind, value in flt.blind)
    if flt.scope is not None:
        clauses.append({"department": {"$in": sorted(flt.scope)}})
    if flt.q:
        pattern = {"$regex": re.escape(flt.q), "$options": "i"}
        clauses.append({"$or": [{"_id": flt.q}, {"description": pattern}, {"demand": pattern}]})
    return merge_clauses([*clauses, *extra])


def merge_clauses(clauses: list[Document]) -> Document:
    """The conjunction of ``clauses`` as one flat document where their keys do not collide
    (the database's planner picks an index for top-level fields, not for the same fields
    nested in ``$and``); colliding clauses stay under ``$and``."""
    merged: Document = {}
    nested: list[Document] = []
    for clause in clauses:
        if merged.keys() & clause.keys():
            nested.append(clause)
        else:
            merged |= clause
    if nested:
        merged["$and"] = nested
    return merged


def index_hint(flt: ComplaintFilter, sort: str) -> list[tuple[str, int]] | None:
    """The index a worklist page reads: assignee or department, then the order asked for
    (the database's planner picks the first index whose prefix matches the filter,
    whatever the order). None lets the planner choose (a blind-index look-up, or newest
    first by the other filters)."""
    if flt.blind:
        return None
    prefix = "assignee" if flt.assignee else "department" if flt.department else None
    if prefix is None and sort == "-received_at":
        return None
    return [*([(prefix, 1)] if prefix else []), *SORTS[sort]]


async def search_complaints(
    collection: AsyncCollection[Document],
    flt: ComplaintFilter,
    *,
    cursor: str | None,
    limit: int,
    sort: str = "-received_at",
    ends: PageEnds | None = None,
) -> tuple[list[Document], str | None]:
    """One page of complaints matching ``flt`` in ``sort`` order and the cursor of the
    next page (or None). A first page reads only as far as ``ends`` remembers its list
    ending last time, when it can (``page_ends``)."""
    after = decode_cursor(cursor, sort) if cursor else None
    if after is None and ends is not None and sort in _BOUNDABLE and not flt.blind:
        found = await _first_page(collection, flt, limit, sort, ends)
    else:
        found = await _seek(collection, flt, after, limit, sort)
    page = found[:limit]
    return page, encode_cursor(page[-1], sort) if len(found) > limit and page else None


async def _seek(
    collection: AsyncCollection[Document],
    flt: ComplaintFilter,
    after: list[Any] | None,
    limit: int,
    sort: str,
) -> list[Document]:
    """Up to ``limit + 1`` complaints after the position ``after`` (None: from the top)."""
    branches = seek_branches(SORTS[sort], after) if after is not None else [{}]
    hint = index_hint(flt, sort)
    found: list[Document] = []
    for branch in branches:
        want = limit + 1 - len(found)
        if want <= 0:
            break
        found += await _read(collection, complaint_query(flt, branch), sort, want, hint)
    return found


async def _first_page(
    collection: AsyncCollection[Document],
    flt: ComplaintFilter,
    limit: int,
    sort: str,
    ends: PageEnds,
) -> list[Document]:
    """Up to ``MARGIN`` pages from the top: those within the remembered end when they fill
    a page, else the whole read; either way the end is learnt again."""
    first, direction = SORTS[sort][0]
    margin = MARGIN * (limit + 1)
    key = list_key(complaint_query(flt), sort, limit)
    end = ends.get(key)
    if end is not None:
        within = {first: {"$lte" if direction == 1 else "$gte": end}}
        # No hint: given the range, the planner seeks the order's index by itself, while
        # a hinted read walks the whole index on this server (~17 ms instead of ~1.3 ms).
        rows = await _read(collection, complaint_query(flt, within), sort, margin, None)
        if len(rows) > limit:
            FIRST_PAGE_READS.labels(read="within_end").inc()
            if len(rows) == margin:  # more came in before the end: draw it closer
                ends.remember(key, rows[-1][first])
            return rows
    # A range spanning every date, not a hint, points the planner at the order's index: a
    # hinted read walks the whole index on this server (an agent's empty queue: ~14 ms hinted,
    # ~0.5 ms so), and MongoDB reads an order's index for a range on its first key too.
    every = {first: {"$gte": EVERY_DATE}}
    rows = await _read(collection, complaint_query(flt, every), sort, margin, None)
    FIRST_PAGE_READS.labels(read="whole").inc()
    if len(rows) == margin:
        ends.remember(key, rows[-1][first])
    else:  # the whole list fits in the margin: a bound would not save a row
        ends.forget(key)
    return rows


async def _read(
    collection: AsyncCollection[Document],
    query: Document,
    sort: str,
    limit: int,
    hint: list[tuple[str, int]] | None,
) -> list[Document]:
    found = collection.find(query, HEAVY_FIELDS).sort(list(SORTS[sort])).limit(limit)
    return await (found.hint(hint) if hint else found).to_list()


HISTORY_FIELDS = {k: 1 for k in ("received_at", "status", "category", "severity", "department")}


async def customer_history(
    collection: AsyncCollection[Document],
    blind: tuple[tuple[str, str], ...],
    scope: frozenset[str] | None,
    *,
    last: int = 5,
) -> tuple[int, list[Document]]:
    """How many complaints the blind-index look-up finds (within ``scope``) and the latest
    ``last`` of them, newest first (both are seeks on a ``blind.<kind>`` index)."""
    query = complaint_query(ComplaintFilter(scope=scope, blind=blind))
    count = await collection.count_documents(query)
    cursor = collection.find(query, HISTORY_FIELDS).sort(list(SORTS["-received_at"]))
    return count, await cursor.limit(last).to_list()


# Closed and archived complaints are done; counting them would only ever grow.
NOT_DONE = tuple(s for s in State if s not in (State.CLOSED, State.ARCHIVED))


async def count_by_status(collection: AsyncCollection[Document]) -> dict[str, int]:
    """How many complaints are in each state that is not done yet (zeros included)."""
    counts = {}
    for state in NOT_DONE:
        counts[str(state)] = await count_matching(collection, {"status": str(state)})
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
