"""The audit log in MongoDB: one document per entry, ``_id`` = seq. Insert and find only.

The unique ``_id`` (seq) is what keeps two writers from forking the chain: the second
insert of a seq fails and that writer reloads the head. The unique ``event_id`` index is
what makes appending idempotent. There is deliberately no update or delete in this module
(or anywhere in the service): the database user needs only ``insert`` and ``find``.

Besides the hashed entry fields, a document carries ``payload_sealed``: the record's value
and headers sealed with the PII key (context ``audit``). It is evidence that can be opened
and re-hashed by someone holding the key; nothing in the API returns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from closeloop_audit.domain.chain import AuditEntry
from closeloop_shared.mongo import DUPLICATE_KEY, Document, IndexSpec

ENTRIES = "entries"
INDEXES = [
    IndexSpec(ENTRIES, [("event_id", ASCENDING)], unique=True),
    IndexSpec(ENTRIES, [("subject", ASCENDING), ("_id", ASCENDING)]),
]
_ENTRY_FIELDS = {
    name: 1
    for name in (
        "seq",
        "recorded_at",
        "topic",
        "partition",
        "offset",
        "event_id",
        "event_type",
        "subject",
        "payload_hash",
        "prev_hash",
        "entry_hash",
    )
}


class ChainConflict(Exception):
    """Another writer appended first (seq taken) or logged one of the events already."""


@dataclass(frozen=True, slots=True)
class SealedEntry:
    """An entry and its sealed payload, ready to insert."""

    entry: AuditEntry
    payload_sealed: str
    # Who acted, as the event says. Kept beside the chain, not in it: the payload hash
    # seals the event that names them, so an auditor can check it against the payload.
    actor: dict[str, str | None] | None = None


def _document(item: SealedEntry) -> Document:
    return {
        "_id": item.entry.seq,
        **item.entry.to_dict(),
        "payload_sealed": item.payload_sealed,
        "actor": item.actor,
    }


class EntryStore:
    """Append and read entries of the audit log."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._coll = db[ENTRIES]

    async def append(self, items: Sequence[SealedEntry]) -> None:
        """Insert entries in seq order (ordered: a failure leaves a gap-free prefix).

        Raises :class:`ChainConflict` on a duplicate seq or event id.
        """
        if not items:
            return
        try:
            await self._coll.insert_many([_document(item) for item in items], ordered=True)
        except BulkWriteError as exc:
            codes = {error.get("code") for error in exc.details.get("writeErrors", [])}
            if DUPLICATE_KEY in codes:
                raise ChainConflict(str(exc)[:300]) from exc
            raise
        except DuplicateKeyError as exc:
            raise ChainConflict(str(exc)[:300]) from exc

    async def head(self) -> AuditEntry | None:
        """The last entry, or None for an empty log."""
        doc = await self._coll.find_one({}, _ENTRY_FIELDS, sort=[("_id", DESCENDING)])
        return None if doc is None else AuditEntry.from_dict(doc)

    async def logged_ids(self, event_ids: Iterable[str]) -> set[str]:
        """Which of ``event_ids`` are already in the log."""
        ids = list(set(event_ids))
        if not ids:
            return set()
        cursor = self._coll.find({"event_id": {"$in": ids}}, {"event_id": 1, "_id": 0})
        return {doc["event_id"] async for doc in cursor}

    async def count(self) -> int:
        """Number of stored entries (equals the head seq unless the log was tampered with)."""
        return await self._coll.count_documents({})

    async def get(self, seq: int) -> AuditEntry | None:
        """The entry with sequence number ``seq``."""
        doc = await self._coll.find_one({"_id": seq}, _ENTRY_FIELDS)
        return None if doc is None else AuditEntry.from_dict(doc)

    async def entry_hashes(self, after_seq: int, up_to_seq: int) -> list[tuple[int, str]]:
        """``(seq, entry_hash)`` of entries ``after_seq < seq <= up_to_seq``, in order."""
        cursor = self._coll.find(
            {"_id": {"$gt": after_seq, "$lte": up_to_seq}},
            {"entry_hash": 1},
            sort=[("_id", ASCENDING)],
            batch_size=10_000,
        )
        return [(doc["_id"], doc["entry_hash"]) async for doc in cursor]

    async def trail(self, subject: str, *, after_seq: int, limit: int) -> list[AuditEntry]:
        """Entries about one subject (complaint id) in log order, after ``after_seq``."""
        cursor = self._coll.find(
            {"subject": subject, "_id": {"$gt": after_seq}},
            _ENTRY_FIELDS,
            sort=[("_id", ASCENDING)],
            limit=limit,
        )
        return [AuditEntry.from_dict(doc) async for doc in cursor]

    async def actors(self, seqs: Iterable[int]) -> dict[int, dict[str, Any]]:
        """Who acted in each of the entries ``seqs`` (those that name somebody)."""
        wanted = list(seqs)
        cursor = self._coll.find({"_id": {"$in": wanted}, "actor": {"$ne": None}}, {"actor": 1})
        return {int(doc["_id"]): dict(doc["actor"]) async for doc in cursor}

    async def sealed_payload(self, seq: int) -> str | None:
        """The sealed payload of an entry (for key holders re-checking a payload hash)."""
        doc: dict[str, Any] | None = await self._coll.find_one({"_id": seq}, {"payload_sealed": 1})
        return None if doc is None else doc.get("payload_sealed")
