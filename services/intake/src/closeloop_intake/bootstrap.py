"""Wires the intake service: settings → runtime (MongoDB, Kafka) → HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from closeloop_intake.config import IntakeSettings
from closeloop_intake.entrypoints.consumers import CONSUMED_TOPICS, handle_event
from closeloop_shared.http.app import create_app
from closeloop_shared.runtime import ServiceRuntime


def bootstrap(settings: IntakeSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the app and its runtime; nothing connects until the app starts."""
    settings = settings or IntakeSettings()
    runtime = ServiceRuntime(settings)
    runtime.subscribe("projections", CONSUMED_TOPICS, handle_event)
    app = create_app(
        settings=settings,
        title="Closeloop intake",
        description="Intake: every channel, a complete record, the complaint lifecycle.",
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    return app, runtime
