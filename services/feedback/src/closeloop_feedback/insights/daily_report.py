"""Builds the daily report of one local day from the read model, and publishes it: the
report is kept in ``insight_daily_reports`` and announced with ``report.daily_ready`` so
subscribers can fetch it from the API."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from closeloop_feedback.domain.insights.comparison import COMPARISON_DAYS
from closeloop_feedback.domain.insights.daily import DailyInputs, compute_daily_report
from closeloop_feedback.domain.insights.window import DayWindow
from closeloop_feedback.insights.queries import InsightReads
from closeloop_feedback.insights.settings import InsightsSettings
from closeloop_shared.events.envelope import CloudEvent, source_of
from closeloop_shared.events.feedback import DailyReportReady
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.mongo import Document, IndexSpec

REPORTS = "insight_daily_reports"
SOURCE = source_of("feedback")
DAILY_PATH = "/v1/reports/daily"
INDEXES = [IndexSpec(REPORTS, [("published_at", 1)], options={"sparse": True})]
_EVENT_IDS = uuid.UUID("6f1d3c52-2f4e-4d0b-9a51-4a7c1f0b7d21")


def report_path(day: date) -> str:
    """Where the report of ``day`` is served."""
    return f"{DAILY_PATH}?date={day.isoformat()}"


async def build_daily_report(
    db: AsyncDatabase[Document],
    day: date,
    settings: InsightsSettings,
    *,
    departments: Sequence[str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The daily report of local ``day`` as JSON-ready values."""
    tz = settings.report_zone
    window = DayWindow.of(day, tz)
    reads = InsightReads(db)
    complaints = await reads.active_between(
        window.shifted(-COMPARISON_DAYS, tz).start, window.end, departments
    )
    pseudonyms = sorted(
        {c.pseudonym for c in complaints if c.pseudonym and c.received_at in window}
    )
    history_start = window.end - timedelta(days=settings.report_repeat_window_days)
    inputs = DailyInputs(
        window=window,
        tz=tz,
        complaints=complaints,
        pseudonym_history=await reads.pseudonym_counts(pseudonyms, history_start, window.end),
        backlog=await reads.backlog_at(window.end, departments),
        repeat_window_days=settings.report_repeat_window_days,
        top=settings.report_top,
    )
    # Pure and CPU-bound: hundreds of ms over 10,000 complaints. On the event loop it held
    # every other answer of the service up for that long (the console's complaint page,
    # issue 18); in a thread the loop still gets the interpreter every switch interval.
    report = await asyncio.to_thread(compute_daily_report, inputs)
    scope = sorted(departments) if departments is not None else None
    return {
        **report,
        "timezone": settings.report_tz,
        "departments": scope,
        "generated_at": (now or datetime.now(UTC)).isoformat(),
    }


class DailyReports:
    """The published daily reports and the claim that makes one job run publish each day
    once, even with several replicas (a crashed claim expires after ``lease``)."""

    def __init__(self, db: AsyncDatabase[Document], lease: timedelta = timedelta(minutes=5)):
        self._coll = db[REPORTS]
        self._lease = lease

    async def published(self, day: date) -> bool:
        doc = await self._coll.find_one({"_id": day.isoformat()}, {"published_at": 1})
        return bool(doc and doc.get("published_at"))

    async def claim(self, day: date, now: datetime) -> int | None:
        """The run number if this caller may publish ``day`` now, else None."""
        free = {"$or": [{"lease_until": {"$exists": False}}, {"lease_until": {"$lt": now}}]}
        try:
            doc = await self._coll.find_one_and_update(
                {"_id": day.isoformat(), "published_at": {"$exists": False}, **free},
                {"$set": {"lease_until": now + self._lease}, "$inc": {"runs": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return None  # published already, or another replica holds the lease
        return int(doc["runs"]) if doc else None

    async def bump(self, day: date) -> int:
        """A manual re-run: a new run number whatever the state."""
        doc = await self._coll.find_one_and_update(
            {"_id": day.isoformat()},
            {"$inc": {"runs": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["runs"]) if doc else 1

    async def record(self, day: date, report: dict[str, Any], now: datetime) -> None:
        await self._coll.update_one(
            {"_id": day.isoformat()},
            {"$set": {"report": report, "published_at": now}, "$unset": {"lease_until": ""}},
        )

    async def stored(self, day: date) -> dict[str, Any] | None:
        """The report as it was published, or None."""
        doc = await self._coll.find_one({"_id": day.isoformat()}, {"report": 1})
        report: dict[str, Any] | None = doc.get("report") if doc else None
        return report


def ready_event(day: date, complaints: int, run: int) -> CloudEvent:
    """``report.daily_ready`` for ``day``; the id is fixed per run so a retried publish is
    recognised as the same event."""
    body = DailyReportReady(date=day, path=report_path(day), complaints=complaints)
    event_id = str(uuid.uuid5(_EVENT_IDS, f"{day.isoformat()}#{run}"))
    return CloudEvent.of(
        body, source=SOURCE, subject=f"report-daily-{day.isoformat()}", id=event_id
    )


async def publish_daily_report(
    db: AsyncDatabase[Document],
    producer: EventProducer,
    settings: InsightsSettings,
    day: date,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """Build, keep and announce the report of ``day``; None when it was published already
    (or is being published by another replica) and ``force`` is not set."""
    now = now or datetime.now(UTC)
    reports = DailyReports(db)
    run = await reports.bump(day) if force else await reports.claim(day, now)
    if run is None:
        return None
    report = await build_daily_report(db, day, settings, now=now)
    await producer.publish(ready_event(day, report["volume"]["total"], run))
    await reports.record(day, report, now)
    return report
