"""Policy and calendar sets in the sla service's own MongoDB database.

Every ``PUT`` stores a complete new *set* under the next revision number (``_id``); nothing
is ever updated in place, so every policy and calendar version a running clock may still
name stays readable, and the history of who changed what is kept. Two concurrent writers
race on the revision ``_id``: the loser gets :class:`RevisionConflict`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_shared.mongo import Document

POLICY_SETS = "policy_sets"
CALENDAR_SETS = "calendar_sets"


class RevisionConflict(Exception):
    """Another writer stored the same revision first."""


class PolicyRepository:
    """Stored policy sets and calendar sets, by revision."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def policy_sets(self) -> list[Document]:
        """Every stored policy set, oldest first."""
        return await self._all(POLICY_SETS)

    async def calendar_sets(self) -> list[Document]:
        """Every stored calendar set, oldest first."""
        return await self._all(CALENDAR_SETS)

    async def latest_revisions(self) -> tuple[int, int]:
        """``(policy revision, calendar revision)`` of the newest sets (0 when none)."""
        return await self._latest(POLICY_SETS), await self._latest(CALENDAR_SETS)

    async def add_policy_set(self, revision: int, policies: list[Any], by: str) -> Document:
        """Store policy set ``revision``; RevisionConflict if it exists already."""
        return await self._add(POLICY_SETS, revision, {"policies": policies}, by)

    async def add_calendar_set(self, revision: int, calendars: list[Any], by: str) -> Document:
        """Store calendar set ``revision``; RevisionConflict if it exists already."""
        return await self._add(CALENDAR_SETS, revision, {"calendars": calendars}, by)

    async def _all(self, collection: str) -> list[Document]:
        return [doc async for doc in self._db[collection].find({}).sort("_id", 1)]

    async def _latest(self, collection: str) -> int:
        doc = await self._db[collection].find_one({}, {"_id": 1}, sort=[("_id", -1)])
        return int(doc["_id"]) if doc else 0

    async def _add(self, collection: str, revision: int, body: Document, by: str) -> Document:
        doc = {"_id": revision, **body, "at": datetime.now(UTC), "by": by}
        try:
            await self._db[collection].insert_one(doc)
        except DuplicateKeyError:
            raise RevisionConflict(f"{collection} revision {revision} exists already") from None
        return doc
