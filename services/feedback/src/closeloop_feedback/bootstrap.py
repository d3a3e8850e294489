"""Wires the feedback service: settings → runtime (MongoDB, Kafka) → HTTP app."""

from __future__ import annotations

from closeloop_shared.http.app import create_app
from closeloop_shared.runtime import ServiceRuntime
from fastapi import FastAPI

from closeloop_feedback.config import FeedbackSettings
from closeloop_feedback.entrypoints.consumers import CONSUMED_TOPICS, handle_event


def bootstrap(settings: FeedbackSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the app and its runtime; nothing connects until the app starts."""
    settings = settings or FeedbackSettings()
    runtime = ServiceRuntime(settings)
    runtime.subscribe("loop", CONSUMED_TOPICS, handle_event)
    app = create_app(
        settings=settings,
        title="Closeloop feedback",
        description="Feedback: notifications, satisfaction surveys and reports.",
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    return app, runtime
