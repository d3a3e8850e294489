"""Wires the routing service: settings → runtime (MongoDB, Kafka) → HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from closeloop_routing.config import RoutingSettings
from closeloop_routing.entrypoints.consumers import CONSUMED_TOPICS, handle_event
from closeloop_shared.http.app import create_app
from closeloop_shared.runtime import ServiceRuntime


def bootstrap(settings: RoutingSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the app and its runtime; nothing connects until the app starts."""
    settings = settings or RoutingSettings()
    runtime = ServiceRuntime(settings)
    runtime.subscribe("decisions", CONSUMED_TOPICS, handle_event)
    app = create_app(
        settings=settings,
        title="Closeloop routing",
        description="Routing: departments, rules, assignment, transfer and escalation.",
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    return app, runtime
