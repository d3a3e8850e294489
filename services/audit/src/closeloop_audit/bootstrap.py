"""Wires the audit service: settings → runtime (MongoDB, Kafka) → HTTP app."""

from __future__ import annotations

from closeloop_shared.http.app import create_app
from closeloop_shared.runtime import ServiceRuntime
from fastapi import FastAPI

from closeloop_audit.config import AuditSettings
from closeloop_audit.entrypoints.consumers import CONSUMED_TOPICS, handle_event


def bootstrap(settings: AuditSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the app and its runtime; nothing connects until the app starts."""
    settings = settings or AuditSettings()
    runtime = ServiceRuntime(settings)
    runtime.subscribe("log", CONSUMED_TOPICS, handle_event)
    app = create_app(
        settings=settings,
        title="Closeloop audit",
        description="Audit: the append-only, hash-chained audit log and signed checkpoints.",
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    return app, runtime
