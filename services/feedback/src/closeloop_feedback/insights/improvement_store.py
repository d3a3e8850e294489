"""Improvement actions in MongoDB (``insight_improvements``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from closeloop_feedback.domain.insights.improvements import ImprovementAction, ImprovementStatus
from closeloop_shared.mongo import Document, IndexSpec

COLLECTION = "insight_improvements"
INDEXES = [IndexSpec(COLLECTION, [("effective_on", 1), ("recorded_at", 1)])]


def _action(doc: Document) -> ImprovementAction:
    return ImprovementAction(
        action_id=doc["_id"],
        title=doc["title"],
        description=doc["description"],
        effective_on=date.fromisoformat(doc["effective_on"]),
        status=ImprovementStatus(doc["status"]),
        recorded_at=doc["recorded_at"],
        recorded_by=doc["recorded_by"],
        category=doc.get("category"),
        department=doc.get("department"),
    )


class ImprovementStore:
    """Records and lists improvement actions (dates kept as ISO strings: they sort)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._coll = db[COLLECTION]

    async def add(
        self,
        *,
        title: str,
        description: str,
        effective_on: date,
        status: ImprovementStatus,
        recorded_at: datetime,
        recorded_by: str,
        category: str | None = None,
        department: str | None = None,
    ) -> ImprovementAction:
        doc: Document = {
            "_id": f"imp-{uuid.uuid4().hex[:16]}",
            "title": title,
            "description": description,
            "effective_on": effective_on.isoformat(),
            "status": status.value,
            "recorded_at": recorded_at,
            "recorded_by": recorded_by,
            "category": category,
            "department": department,
        }
        await self._coll.insert_one(doc)
        return _action(doc)

    async def between(
        self, start: date | None = None, end: date | None = None, *, limit: int = 500
    ) -> list[ImprovementAction]:
        """Actions effective in ``[start, end)`` (open bounds when None), oldest first."""
        span: dict[str, Any] = {}
        if start is not None:
            span["$gte"] = start.isoformat()
        if end is not None:
            span["$lt"] = end.isoformat()
        query = {"effective_on": span} if span else {}
        cursor = self._coll.find(query).sort([("effective_on", 1), ("recorded_at", 1)])
        return [_action(doc) async for doc in cursor.limit(limit)]
