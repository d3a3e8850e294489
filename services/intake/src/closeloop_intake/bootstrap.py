"""Wires the intake service: settings → runtime (MongoDB, Kafka) → relay, SMTP, HTTP app."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from closeloop_intake.adapters.blind_index import BlindIndexer
from closeloop_intake.adapters.customer_vault import CustomerVault
from closeloop_intake.adapters.lease import Lease
from closeloop_intake.adapters.outbox_relay import OutboxRelay
from closeloop_intake.adapters.repository import COLLECTION, INDEXES, ComplaintRepository
from closeloop_intake.adapters.seen_signatures import INDEXES as SIGNATURE_INDEXES
from closeloop_intake.adapters.seen_signatures import SeenSignatures
from closeloop_intake.adapters.smtp_channel import SmtpChannel
from closeloop_intake.adapters.timeline import INDEXES as TIMELINE_INDEXES
from closeloop_intake.adapters.timeline import TimelineMover, TimelineStore
from closeloop_intake.adapters.unpublished import UnpublishedComplaints
from closeloop_intake.config import IntakeSettings
from closeloop_intake.entrypoints.api import ROUTERS
from closeloop_intake.entrypoints.api.errors import install_intake_error_handlers
from closeloop_intake.entrypoints.consumers import CONSUMED_TOPICS, event_handler
from closeloop_intake.entrypoints.mail import mail_receiver
from closeloop_intake.gauges import gauge_refresher
from closeloop_intake.metrics import PIPELINE_BEHIND
from closeloop_intake.service.admission import Admission
from closeloop_intake.service.context import Policy, ServiceContext
from closeloop_shared import segmentation
from closeloop_shared.http.app import create_app
from closeloop_shared.kafka.backlog import GroupBacklog
from closeloop_shared.runtime import ServiceRuntime


def _nothing() -> None:
    return None


def _admission(settings: IntakeSettings, runtime: ServiceRuntime) -> Admission | None:
    """Load shedding on the downstream groups' backlog, read in the background."""
    if settings.backpressure_max_behind == 0:
        return None
    backlog = GroupBacklog(
        settings.kafka_bootstrap,
        settings.backpressure_topics,
        settings.backpressure_groups,
        interval_s=settings.backpressure_interval_s,
        client_id=f"{settings.kafka_client_id_prefix}-intake-backlog",
        on_reading=lambda behind: PIPELINE_BEHIND.set(-1 if behind is None else behind),
    )
    runtime.on_start.append(backlog.start)
    runtime.on_stop.append(backlog.stop)
    runtime.background.append(backlog.run_forever)
    unpublished = None
    if settings.relay_enabled and settings.backpressure_max_unpublished:
        unpublished = UnpublishedComplaints(
            runtime.db[COLLECTION],
            cap=settings.backpressure_max_unpublished + 1,
            interval_s=settings.backpressure_interval_s,
        )
        runtime.background.append(unpublished.run_forever)
    return Admission(
        backlog,
        settings.backpressure_max_behind,
        settings.backpressure_retry_after_s,
        unpublished=unpublished,
        max_unpublished=settings.backpressure_max_unpublished,
    )


def bootstrap(settings: IntakeSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the app and its runtime; nothing connects until the app starts."""
    settings = settings or IntakeSettings()
    indexes = [*INDEXES, *TIMELINE_INDEXES, *SIGNATURE_INDEXES]
    runtime = ServiceRuntime(settings, indexes=indexes)
    lease = Lease(runtime.db["leases"], "outbox-relay", settings.relay_lease_s)
    relay = OutboxRelay(
        runtime.db[COLLECTION],
        runtime.producer,
        lease=lease,
        batch_size=settings.relay_batch_size,
        interval_s=settings.relay_interval_s,
    )
    repo = ComplaintRepository(
        runtime.db, on_write=relay.wake if settings.relay_enabled else _nothing
    )
    vault = CustomerVault(settings.pii_key, settings.pseudonym_key)
    blind = BlindIndexer(settings.blind_index_key, default_region=settings.phone_region)
    timeline = TimelineStore(runtime.db)
    policy = Policy.from_settings(settings)
    ctx = ServiceContext(repo=repo, vault=vault, policy=policy, blind=blind, timeline=timeline)
    runtime.subscribe("projections", CONSUMED_TOPICS, event_handler(ctx))
    if settings.relay_enabled:
        runtime.background.append(relay.run)
        runtime.on_stop.append(lease.release)
    runtime.background.append(gauge_refresher(repo.collection, settings.metrics_interval_s))
    if settings.timeline_move_interval_s > 0:
        mover = TimelineMover(
            timeline,
            batch=settings.timeline_move_batch,
            interval_s=settings.timeline_move_interval_s,
        )
        runtime.background.append(mover.run)

    async def load_segmenter() -> None:  # jieba's tables, off the event loop, before traffic
        await asyncio.to_thread(segmentation.load)

    runtime.on_start.append(load_segmenter)
    smtp = None
    if settings.inbound_smtp_enabled:
        smtp = SmtpChannel(
            host=settings.inbound_smtp_host,
            port=settings.inbound_smtp_port,
            receive=mail_receiver(ctx),
            max_bytes=settings.max_body_bytes,
        )
        runtime.on_start.append(smtp.start)
        runtime.on_stop.insert(0, smtp.stop)
    app = create_app(
        settings=settings,
        title="Closeloop intake",
        description="Intake: every channel, a complete record, the complaint lifecycle.",
        routers=ROUTERS,
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    install_intake_error_handlers(app)
    app.state.runtime = runtime
    app.state.ctx = ctx
    app.state.seen_signatures = SeenSignatures(
        runtime.db["webhook_signatures"], settings.webhook_window_s
    )
    app.state.relay = relay
    app.state.smtp = smtp
    app.state.admission = _admission(settings, runtime)
    return app, runtime
