"""Signed checkpoints in MongoDB: one document per tree size (``_id``). Insert and find only.

Each document also keeps the Merkle accumulator's peaks at that size (``peaks``) and the
hash of the last entry it covers (``head_hash``), so a restarted writer rebuilds its tree
state from the latest checkpoint plus the few entries after it, without an updatable
"head" document (the log stays insert-only).
"""

from __future__ import annotations

from dataclasses import dataclass

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_audit.domain.checkpoint import Checkpoint
from closeloop_shared.mongo import Document

CHECKPOINTS = "checkpoints"


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A checkpoint with the tree state it was taken from."""

    checkpoint: Checkpoint
    peaks: tuple[bytes, ...]
    head_hash: str


def _from_doc(doc: Document) -> StoredCheckpoint:
    return StoredCheckpoint(
        checkpoint=Checkpoint.from_dict(doc),
        peaks=tuple(bytes.fromhex(peak) for peak in doc.get("peaks", ())),
        head_hash=str(doc.get("head_hash", "")),
    )


class CheckpointStore:
    """Insert and read signed checkpoints."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._coll = db[CHECKPOINTS]

    async def add(self, stored: StoredCheckpoint) -> bool:
        """Insert a checkpoint; False if one for that tree size exists already (another
        writer took it: roots of the same prefix are equal, so either copy is right)."""
        cp = stored.checkpoint
        doc: Document = {
            "_id": cp.tree_size,
            **cp.to_dict(),  # signed_at as its signed text: BSON dates keep only ms
            "peaks": [peak.hex() for peak in stored.peaks],
            "head_hash": stored.head_hash,
        }
        try:
            await self._coll.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def latest(self) -> StoredCheckpoint | None:
        """The checkpoint with the largest tree size."""
        doc = await self._coll.find_one({}, sort=[("_id", DESCENDING)])
        return None if doc is None else _from_doc(doc)

    async def at(self, tree_size: int) -> StoredCheckpoint | None:
        """The checkpoint for exactly ``tree_size`` entries."""
        doc = await self._coll.find_one({"_id": tree_size})
        return None if doc is None else _from_doc(doc)

    async def recent(self, *, before: int | None, limit: int) -> list[Checkpoint]:
        """Checkpoints newest first, below tree size ``before`` when given."""
        query: Document = {} if before is None else {"_id": {"$lt": before}}
        cursor = self._coll.find(query, sort=[("_id", DESCENDING)], limit=limit)
        return [Checkpoint.from_dict(doc) async for doc in cursor]

    async def all(self) -> list[Checkpoint]:
        """Every checkpoint, oldest first."""
        cursor = self._coll.find({}, sort=[("_id", ASCENDING)])
        return [Checkpoint.from_dict(doc) async for doc in cursor]
