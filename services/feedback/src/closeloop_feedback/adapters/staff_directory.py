"""Feedback's copy of the staff directory, projected from ``routing.directory.v1``: per
department its supervisor, on-call person, working hours and the sealed e-mail addresses
(opened only at the moment of sending). The newest department-set version wins, so a
redelivered or older entry changes nothing."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_shared.events.routing import DepartmentDirectory
from closeloop_shared.mongo import Document

COLLECTION = "staff_directory"


@dataclass(frozen=True)
class DirectoryEntry:
    """One department as feedback knows it."""

    department: str
    supervisor: str | None
    on_call: str | None
    working_hours: dict[str, Any] | None
    contacts_sealed: str | None


class StaffDirectory:
    """Repository of ``staff_directory`` (one document per department)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._coll = db[COLLECTION]

    async def apply(self, entry: DepartmentDirectory) -> None:
        doc = entry.model_dump(mode="python", exclude={"department"})
        # DuplicateKeyError: a newer version is stored, so this one is older.
        with contextlib.suppress(DuplicateKeyError):
            await self._coll.update_one(
                {
                    "_id": entry.department,
                    "$or": [{"version": {"$exists": False}}, {"version": {"$lte": entry.version}}],
                },
                {"$set": doc},
                upsert=True,
            )

    async def get(self, department: str) -> DirectoryEntry | None:
        doc = await self._coll.find_one({"_id": department})
        return None if doc is None else _entry(doc)

    async def all(self) -> list[DirectoryEntry]:
        return [_entry(doc) async for doc in self._coll.find({})]


def _entry(doc: Document) -> DirectoryEntry:
    department = str(doc["_id"])
    return DirectoryEntry(
        department=department,
        supervisor=doc.get("supervisor"),
        on_call=doc.get("on_call"),
        working_hours=doc.get("working_hours"),
        contacts_sealed=doc.get("contacts_sealed"),
    )
