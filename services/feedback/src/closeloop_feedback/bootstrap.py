"""Wires the feedback service: settings → runtime (MongoDB, Kafka) → components → HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from closeloop_feedback.adapters import (
    callback_tasks,
    complaint_records,
    notification_store,
    staff_notification_store,
    survey_store,
)
from closeloop_feedback.config import FeedbackSettings
from closeloop_feedback.container import build_feedback
from closeloop_feedback.entrypoints.api import ROUTERS
from closeloop_feedback.entrypoints.consumers import (
    CONSUMED_TOPICS,
    STAFF_TOPICS,
    consumer_handler,
    staff_handler,
)
from closeloop_feedback.entrypoints.workers import background_tasks
from closeloop_feedback.insights.api.deps import report_snapshots
from closeloop_feedback.insights.wiring import (
    INSIGHT_INDEXES,
    INSIGHT_TOPICS,
    daily_job_task,
    insight_consumer,
    insights_router,
)
from closeloop_shared.http.app import create_app
from closeloop_shared.runtime import ServiceRuntime

INDEXES = [
    *complaint_records.INDEXES,
    *notification_store.INDEXES,
    *survey_store.INDEXES,
    *callback_tasks.INDEXES,
    *staff_notification_store.INDEXES,
    *INSIGHT_INDEXES,
]


def bootstrap(settings: FeedbackSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the app and its runtime; nothing connects until the app starts."""
    settings = settings or FeedbackSettings()
    runtime = ServiceRuntime(settings, indexes=INDEXES)
    feedback = build_feedback(settings, runtime)
    runtime.subscribe("loop", CONSUMED_TOPICS, consumer_handler(feedback.handlers))
    runtime.background.extend(background_tasks(feedback))
    # Staff notifications follow routing (and its directory) in a group of their own.
    runtime.subscribe("staff", STAFF_TOPICS, staff_handler(feedback.staff))
    # Insights keep their own read model, so they consume in their own group (which also
    # reads this service's own feedback.events.v1).
    runtime.subscribe("insights", INSIGHT_TOPICS, insight_consumer(runtime.db))
    runtime.background.append(daily_job_task(runtime))
    app = create_app(
        settings=settings,
        title="Closeloop feedback",
        description="Feedback: notifications, satisfaction surveys and reports.",
        routers=[*ROUTERS, insights_router()],
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    app.state.feedback = feedback
    app.state.report_snapshots = report_snapshots(settings)
    return app, runtime
