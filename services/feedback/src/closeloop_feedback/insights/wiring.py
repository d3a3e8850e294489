"""What the feedback service wires for insights (see the package docstring)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pymongo.asynchronous.database import AsyncDatabase

from closeloop_feedback.insights import daily_report, improvement_store, read_model
from closeloop_feedback.insights.api.kpi import kpi_report, kpi_router
from closeloop_feedback.insights.api.router import insights_router
from closeloop_feedback.insights.daily_job import daily_job, daily_job_task
from closeloop_feedback.insights.kpi_report import handling_kpis
from closeloop_feedback.insights.read_model import INSIGHT_TOPICS, project_insight_event
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.kafka.consumer import Record
from closeloop_shared.mongo import Document, IndexSpec

INSIGHT_INDEXES: list[IndexSpec] = [
    *read_model.INDEXES,
    *daily_report.INDEXES,
    *improvement_store.INDEXES,
]


def insight_consumer(
    db: AsyncDatabase[Document],
) -> Callable[[CloudEvent, Record], Awaitable[None]]:
    """The consumer-loop handler projecting events into the insights read model."""

    async def project_insights(event: CloudEvent, record: Record) -> None:
        await project_insight_event(db, event, record)

    return project_insights


__all__ = [
    "INSIGHT_INDEXES",
    "INSIGHT_TOPICS",
    "daily_job",
    "daily_job_task",
    "handling_kpis",
    "insight_consumer",
    "insights_router",
    "kpi_report",
    "kpi_router",
    "project_insight_event",
]
