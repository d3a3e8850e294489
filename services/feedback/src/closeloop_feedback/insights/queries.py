"""Reads of the insights read model, returned as domain facts. Department users pass their
departments and see only those complaints."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from closeloop_feedback.domain.insights.facts import (
    ClockOutcome,
    ComplaintFacts,
    Resolution,
    StatusChange,
    StatusGroup,
    SurveyAnswer,
    status_group,
)
from closeloop_feedback.insights.read_model import COLLECTION
from closeloop_shared.mongo import Document

FACT_FIELDS = {"applied_events": 0}
# Documents per cursor batch. Without it the server's second batch holds everything left
# (up to 16 MB), and the driver decodes a whole batch in one go while holding the event
# loop: 320 ms for 10,000 complaints, during which the service answered nobody.
FACT_BATCH = 500
_GROUP_STATUSES = {
    StatusGroup.resolved: ["resolved"],
    StatusGroup.closed: ["closed", "archived"],
}


def facts_from(doc: Document) -> ComplaintFacts:
    """A read-model document as domain facts."""
    return ComplaintFacts(
        complaint_id=doc["_id"],
        received_at=doc.get("received_at"),
        channel=doc.get("channel") or "other",
        kind=doc.get("kind") or "complaint",
        category=doc.get("category") or "other",
        severity=doc.get("severity") or "normal",
        pseudonym=doc.get("pseudonym"),
        department=doc.get("department"),
        agent=doc.get("agent"),
        terms=tuple(doc.get("terms") or ()),
        statuses=tuple(
            StatusChange(e["at"], int(e.get("version") or 0), e["status"], e.get("change", ""))
            for e in doc.get("status_log") or ()
        ),
        resolutions=tuple(
            Resolution(
                e["at"],
                e.get("outcome", ""),
                bool(e.get("remedy_granted")),
                e.get("amount"),
                e.get("currency"),
            )
            for e in doc.get("resolutions") or ()
        ),
        clocks=tuple(
            ClockOutcome(
                at=e["at"],
                clock=e["clock"],
                met=bool(e["met"]),
                late=bool(e.get("late")),
                working_seconds=e.get("working_seconds"),
                severity=e.get("severity"),
                deadline=e.get("deadline"),
                run=int(e.get("run") or 1),
            )
            for e in doc.get("clocks") or ()
        ),
        surveys=tuple(
            SurveyAnswer(e["at"], int(e["score"]), bool(e["solved"]))
            for e in doc.get("surveys") or ()
        ),
    )


def _scoped(query: dict[str, Any], departments: Sequence[str] | None) -> dict[str, Any]:
    return {**query, "department": {"$in": list(departments)}} if departments is not None else query


class InsightReads:
    """Queries over ``insight_complaints``."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._coll = db[COLLECTION]

    async def _facts(self, query: dict[str, Any]) -> list[ComplaintFacts]:
        cursor = self._coll.find(query, FACT_FIELDS, batch_size=FACT_BATCH)
        return [facts_from(doc) async for doc in cursor]

    async def stream_received_between(
        self, start: datetime, end: datetime, departments: Sequence[str] | None = None
    ) -> AsyncIterator[ComplaintFacts]:
        """The KPI cohort one complaint at a time, as the cursor's batches arrive (a window
        of up to two years never sits in memory at once)."""
        query = _scoped({"received_at": {"$gte": start, "$lt": end}}, departments)
        async for doc in self._coll.find(query, FACT_FIELDS, batch_size=FACT_BATCH):
            yield facts_from(doc)

    async def active_between(
        self, start: datetime, end: datetime, departments: Sequence[str] | None = None
    ) -> list[ComplaintFacts]:
        """Complaints received in ``[start, end)`` or with a status change, clock outcome or
        survey answer then."""
        span = {"$gte": start, "$lt": end}
        fields = ("received_at", "status_log.at", "clocks.at", "surveys.at")
        return await self._facts(_scoped({"$or": [{f: span} for f in fields]}, departments))

    async def pseudonym_counts(
        self, pseudonyms: Sequence[str], start: datetime, end: datetime
    ) -> dict[str, int]:
        """Complaints per pseudonym received in ``[start, end)`` (all departments: a repeat
        complainant is one whoever handled the earlier complaints)."""
        counts: dict[str, int] = {}
        if not pseudonyms:
            return counts
        query = {"pseudonym": {"$in": list(pseudonyms)}, "received_at": {"$gte": start, "$lt": end}}
        async for doc in self._coll.find(query, {"pseudonym": 1}):
            counts[doc["pseudonym"]] = counts.get(doc["pseudonym"], 0) + 1
        return counts

    async def backlog_at(
        self, instant: datetime, departments: Sequence[str] | None = None
    ) -> dict[str, int]:
        """Complaints received before ``instant`` per status group at that instant.

        Complaints unchanged since are counted by their current status; only the ones
        changed after ``instant`` are read, to find their status then.
        """
        base = _scoped({"received_at": {"$lt": instant}}, departments)
        unchanged = {**base, "last_change_at": {"$lt": instant}}
        counts = {g.value: 0 for g in StatusGroup}
        for group, statuses in _GROUP_STATUSES.items():
            counts[group.value] = await self._coll.count_documents(
                {**unchanged, "status": {"$in": statuses}}
            )
        settled = [s for statuses in _GROUP_STATUSES.values() for s in statuses]
        counts[StatusGroup.open.value] = await self._coll.count_documents(
            {**unchanged, "status": {"$nin": settled}}
        )
        changed = {**base, "last_change_at": {"$gte": instant}}
        async for doc in self._coll.find(changed, {"status_log": 1}):
            status = facts_from(doc).status_at(instant)
            counts[status_group(status).value] += 1
        return counts
