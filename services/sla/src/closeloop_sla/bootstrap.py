"""Wires the sla worker: settings → faust app (table, agent, timer) → HTTP app.

``python -m closeloop_sla`` runs one process: the faust worker consuming complaint events
and its own commands, and the FastAPI app (uvicorn, same event loop) for ``/healthz``,
``/readyz``, ``/metrics`` and ``/v1/sla/...``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from closeloop_shared.auth import TokenVerifier
from closeloop_shared.http.app import create_app
from closeloop_shared.mongo import connect, ping
from closeloop_shared.observability.health import Readiness
from closeloop_sla.adapters.clock_store import ClockStore
from closeloop_sla.adapters.faust_publisher import FaustPublisher
from closeloop_sla.adapters.policy_repository import PolicyRepository
from closeloop_sla.app import create_faust_app
from closeloop_sla.config import SlaSettings
from closeloop_sla.container import SlaContainer
from closeloop_sla.entrypoints.agents import register_clock_agent
from closeloop_sla.entrypoints.api import ROUTERS
from closeloop_sla.entrypoints.tables import declare_clock_table
from closeloop_sla.entrypoints.timers import register_deadline_timer, register_rebalance_hooks
from closeloop_sla.entrypoints.topics import CLOCK_INPUTS, clock_input_channel
from closeloop_sla.metrics import initialise_metrics
from closeloop_sla.service.clock_processor import ClockProcessor
from closeloop_sla.service.deadline_timer import DeadlineTimer
from closeloop_sla.service.lag_report import lag_reporter
from closeloop_sla.service.policy_service import PolicyService

log = logging.getLogger(__name__)


def bootstrap(settings: SlaSettings, partitions: int) -> tuple[SlaContainer, FastAPI]:
    """Declare the worker's faust app and build its HTTP app; nothing connects yet."""
    faust_app = create_faust_app(settings, partitions)
    table = declare_clock_table(faust_app, settings)
    store = ClockStore(table)
    publisher = FaustPublisher(faust_app)
    parts = SlaContainer(settings, partitions, faust_app, store, publisher)
    processor = ClockProcessor(
        store, parts.library, parts.schedule, publisher, reapply_chunk=settings.sla_reapply_chunk
    )
    register_clock_agent(faust_app, clock_input_channel(faust_app), processor, settings)
    register_deadline_timer(faust_app, DeadlineTimer(parts.schedule, publisher.send_commands))
    register_rebalance_hooks(faust_app, table, store, parts.schedule)
    faust_app.task(_refresh_policies_forever(parts))
    faust_app.task(lag_reporter(faust_app, {spec.name for spec in CLOCK_INPUTS}))
    initialise_metrics()
    return parts, _http_app(parts)


async def connect_policies(parts: SlaContainer) -> None:
    """Connect MongoDB and load every policy and calendar version (retrying while the
    database comes up); stream processing must not start before this."""
    settings = parts.settings
    client: Any = connect(
        settings.mongo_uri,
        app_name=settings.service_name,
        heartbeat_ms=settings.mongo_heartbeat_ms,
        listeners=[parts.database_state],
    )
    service = PolicyService(parts.library, PolicyRepository(client[settings.database_name]))
    deadline = asyncio.get_running_loop().time() + settings.startup_timeout_s
    while True:
        try:
            await service.load()
            break
        except Exception as exc:
            if asyncio.get_running_loop().time() > deadline:
                raise
            log.warning("mongodb not reachable yet; retrying", extra={"error": repr(exc)})
            await asyncio.sleep(1.0)
    parts.policies = service
    parts.mongo = client


def _refresh_policies_forever(parts: SlaContainer) -> Any:
    async def refresh_policies() -> None:
        while True:
            await asyncio.sleep(parts.settings.sla_policy_refresh_s)
            if parts.policies is None:
                continue
            try:
                await parts.policies.refresh()
            except Exception as exc:  # keep serving the versions already loaded
                log.warning("policy refresh failed", extra={"error": repr(exc)})

    return refresh_policies


def _http_app(parts: SlaContainer) -> FastAPI:
    readiness = Readiness()
    readiness.add("mongo", lambda: parts.mongo is not None and ping(parts.mongo))
    readiness.add("policies_loaded", lambda: parts.policies is not None)
    readiness.add("partitions_assigned", lambda: _assigned(parts.faust_app))
    readiness.add("tables_recovered", lambda: parts.schedule.ready and not _rebalancing(parts))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.token_verifier = TokenVerifier(parts.settings)
        app.state.sla = parts
        app.state.database_state = parts.database_state  # requests fail fast while it is down
        yield

    return create_app(
        settings=parts.settings,
        title="Closeloop sla",
        description="SLA: policies, business calendars and one clock set per complaint.",
        routers=ROUTERS,
        lifespan=lifespan,
        readiness=readiness,
    )


def _assigned(faust_app: Any) -> bool:
    try:
        return bool(faust_app.consumer.assignment())
    except Exception:  # the consumer does not exist before the worker started
        return False


def _rebalancing(parts: SlaContainer) -> bool:
    return bool(getattr(parts.faust_app, "rebalancing", False))
