"""Wires the sla service: settings → runtime (MongoDB, Kafka) → HTTP app."""

from __future__ import annotations

from closeloop_shared.http.app import create_app
from closeloop_shared.runtime import ServiceRuntime
from fastapi import FastAPI

from closeloop_sla.config import SlaSettings
from closeloop_sla.entrypoints.consumers import CONSUMED_TOPICS, handle_event


def bootstrap(settings: SlaSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the app and its runtime; nothing connects until the app starts."""
    settings = settings or SlaSettings()
    runtime = ServiceRuntime(settings)
    runtime.subscribe("clocks", CONSUMED_TOPICS, handle_event)
    app = create_app(
        settings=settings,
        title="Closeloop sla",
        description="SLA: policies, business calendars and one clock set per complaint.",
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    return app, runtime
