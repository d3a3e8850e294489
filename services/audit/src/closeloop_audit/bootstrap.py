"""Wires the audit service: settings → runtime (MongoDB, Kafka) → HTTP app."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from closeloop_audit.adapters import entry_store
from closeloop_audit.adapters.batch_consumer import BatchConsumer
from closeloop_audit.adapters.dlq_monitor import DlqMonitor
from closeloop_audit.config import AuditSettings
from closeloop_audit.entrypoints.api import ROUTERS
from closeloop_audit.entrypoints.consumers import DLQ_TOPICS, log_consumer
from closeloop_audit.service.context import AuditContext
from closeloop_audit.service.log_writer import LogDamaged
from closeloop_shared.http.app import create_app
from closeloop_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def bootstrap(settings: AuditSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the app and its runtime; nothing connects until the app starts."""
    settings = settings or AuditSettings()
    runtime = ServiceRuntime(settings, indexes=entry_store.INDEXES)
    ctx = AuditContext.build(settings, runtime.db, runtime.producer)
    dlq_monitor = DlqMonitor(
        settings.kafka_bootstrap,
        DLQ_TOPICS,
        client_id=f"{settings.kafka_client_id_prefix}-audit-dlq-monitor",
    )
    consumers: list[BatchConsumer] = []

    async def load_audit_log() -> None:
        try:
            await ctx.writer.load()
        except LogDamaged:
            # Keep serving: /v1/audit/verify must still show the damage. Appending waits
            # (the consumer retries the load) until the log is restored.
            log.exception("audit log damaged; appending is suspended")
        await ctx.checkpointer.start()

    async def start_log_consumer() -> None:
        consumer = log_consumer(ctx)
        await consumer.start()
        consumers.append(consumer)
        runtime.readiness.add(f"consumer:{consumer.group_id}", lambda: consumer.assigned)
        runtime.liveness.add(f"consumer:{consumer.group_id}", lambda: consumer.alive)

    async def sign_checkpoints() -> None:
        await ctx.checkpointer.run_forever()

    async def verify_audit_log() -> None:
        await ctx.verifier.run_forever(settings.audit_verify_interval_s)

    async def measure_dead_letters() -> None:
        await dlq_monitor.poll_forever(settings.audit_dlq_poll_interval_s)

    async def stop_audit() -> None:
        for consumer in consumers:
            await consumer.stop()  # finishes and commits the batch in hand
        await dlq_monitor.stop()
        ctx.sync_client.close()

    runtime.on_start.extend([load_audit_log, start_log_consumer])
    runtime.background.extend([sign_checkpoints, verify_audit_log, measure_dead_letters])
    runtime.on_stop.append(stop_audit)
    app = create_app(
        settings=settings,
        title="Closeloop audit",
        description="Audit: the append-only, hash-chained audit log and signed checkpoints.",
        routers=ROUTERS,
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    app.state.audit = ctx
    return app, runtime
