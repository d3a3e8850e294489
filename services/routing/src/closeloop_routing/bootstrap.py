"""Wires the routing service: settings → runtime (MongoDB, Kafka) → HTTP app."""

from __future__ import annotations

from fastapi import FastAPI

from closeloop_routing.adapters import agent_pool, routing_store
from closeloop_routing.config import RoutingSettings
from closeloop_routing.entrypoints.api import ROUTERS
from closeloop_routing.entrypoints.consumers import CONSUMED_TOPICS, RoutingConsumer
from closeloop_routing.service.configuration import load_configuration
from closeloop_routing.service.context import RoutingContext
from closeloop_routing.service.directory import publish_directory
from closeloop_routing.service.placement import sweep_queues_forever
from closeloop_shared.http.app import create_app
from closeloop_shared.runtime import ServiceRuntime


def bootstrap(settings: RoutingSettings | None = None) -> tuple[FastAPI, ServiceRuntime]:
    """Build the app and its runtime; nothing connects until the app starts."""
    settings = settings or RoutingSettings()
    runtime = ServiceRuntime(
        settings,
        indexes=[*routing_store.INDEXES, *agent_pool.INDEXES],
    )
    ctx = RoutingContext.build(settings, runtime.db, runtime.producer)
    consumer = RoutingConsumer(ctx)
    for _ in range(settings.routing_consumers):  # members of one group share the partitions
        runtime.subscribe("decisions", CONSUMED_TOPICS, consumer.handle)

    async def load_routing_configuration() -> None:
        await load_configuration(ctx)
        await publish_directory(ctx)

    async def refresh_routing_configuration() -> None:
        await ctx.config.refresh_forever()

    async def relay_routing_outbox() -> None:
        await ctx.publisher.relay_forever(settings.routing_outbox_grace_s)

    async def sweep_routing_queues() -> None:
        await sweep_queues_forever(ctx)

    async def flush_routing_outbox() -> None:
        await ctx.publisher.close()
        await ctx.agents.flush_cursors()

    runtime.on_start.append(load_routing_configuration)
    runtime.background.extend(
        [refresh_routing_configuration, relay_routing_outbox, sweep_routing_queues]
    )
    runtime.on_stop.append(flush_routing_outbox)
    app = create_app(
        settings=settings,
        title="Closeloop routing",
        description="Routing: departments, rules, assignment, transfer and escalation.",
        routers=ROUTERS,
        lifespan=runtime.lifespan,
        readiness=runtime.readiness,
    )
    app.state.runtime = runtime
    app.state.routing = ctx
    return app, runtime
