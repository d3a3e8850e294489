"""Satisfaction surveys in MongoDB. Every transition is a conditional write on the current
status, so a timer that fires twice or a link used twice changes the survey once; the
events announcing a transition are pushed into the same document write."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_feedback.adapters.event_outbox import outbox_index, push_events
from closeloop_feedback.domain.csat import SurveyOutcome
from closeloop_feedback.domain.survey import TIMED_STATUSES, SurveyStatus
from closeloop_shared.mongo import Document, IndexSpec

COLLECTION = "surveys"
INDEXES = [
    IndexSpec(COLLECTION, [("due_at", 1)], options={"sparse": True}),
    IndexSpec(COLLECTION, [("complaint_id", 1), ("created_at", 1)]),
    IndexSpec(COLLECTION, [("outcome_at", 1)], options={"sparse": True}),
    outbox_index(COLLECTION),
]
_TIMED = [s.value for s in TIMED_STATUSES]


class SurveyStore:
    """Repository of the ``surveys`` collection."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._coll = db[COLLECTION]

    async def create(self, doc: Document) -> bool:
        """Insert a scheduled survey once (its id is derived from the resolution)."""
        try:
            await self._coll.insert_one({**doc, "outbox": doc.get("outbox", [])})
            return True
        except DuplicateKeyError:
            return False

    async def get(self, survey_id: str) -> Document | None:
        return await self._coll.find_one({"_id": survey_id}, {"outbox": 0})

    async def for_complaint(self, complaint_id: str) -> list[Document]:
        cursor = self._coll.find({"complaint_id": complaint_id}, {"outbox": 0})
        return [doc async for doc in cursor.sort("created_at", 1)]

    async def due(self, now: datetime, limit: int = 100) -> list[Document]:
        """Surveys whose timer (send, remind or expire) is due, most overdue first."""
        cursor = self._coll.find({"due_at": {"$lte": now}, "status": {"$in": _TIMED}})
        return [doc async for doc in cursor.sort("due_at", 1).limit(limit)]

    async def transition(
        self,
        survey_id: str,
        *,
        expected: Sequence[SurveyStatus],
        changes: dict[str, Any],
        events: Sequence[Document] = (),
        extra_filter: dict[str, Any] | None = None,
    ) -> Document | None:
        """Apply ``changes`` if the survey is in one of ``expected`` states; return the
        survey after the change, or None if it was not in such a state (someone else won)."""
        update: dict[str, Any] = {"$set": changes}
        if events:
            update["$push"] = push_events(events)
        return await self._coll.find_one_and_update(
            {
                "_id": survey_id,
                "status": {"$in": [s.value for s in expected]},
                **(extra_filter or {}),
            },
            update,
            projection={"outbox": 0},
            return_document=ReturnDocument.AFTER,
        )

    async def open_for(self, complaint_id: str) -> list[Document]:
        """Surveys of a complaint that are not finished."""
        cursor = self._coll.find({"complaint_id": complaint_id, "status": {"$in": _TIMED}})
        return [doc async for doc in cursor]

    async def set_department_if_missing(self, complaint_id: str, department: str) -> None:
        """Late routing news fills in surveys created before the department was known."""
        await self._coll.update_many(
            {"complaint_id": complaint_id, "department": None},
            {"$set": {"department": department}},
        )

    async def bring_forward(self, complaint_id: str, send_by: datetime) -> None:
        """Scheduled surveys go out no later than ``send_by`` (the SLA callback deadline)."""
        await self._coll.update_many(
            {"complaint_id": complaint_id, "status": "scheduled", "due_at": {"$gt": send_by}},
            {"$set": {"due_at": send_by, "callback_deadline": send_by}},
        )

    async def outcomes(
        self, start: datetime, end: datetime, departments: Sequence[str] | None = None
    ) -> list[SurveyOutcome]:
        """Finished surveys (answered or expired) with their outcome in ``[start, end)``."""
        query: dict[str, Any] = {
            "outcome_at": {"$gte": start, "$lt": end},
            "status": {"$in": ["answered", "expired"]},
        }
        if departments is not None:
            query["department"] = {"$in": list(departments)}
        projection = {"department": 1, "agent": 1, "outcome_at": 1, "status": 1, "answer": 1}
        return [
            SurveyOutcome(
                department=doc.get("department"),
                at=doc["outcome_at"],
                answered=doc["status"] == "answered",
                score=(doc.get("answer") or {}).get("score"),
                solved=(doc.get("answer") or {}).get("solved"),
                agent=doc.get("agent"),
            )
            async for doc in self._coll.find(query, projection)
        ]
