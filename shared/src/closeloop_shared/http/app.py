"""The one FastAPI app factory every service uses, and the process runner."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

import uvicorn
from fastapi import APIRouter, FastAPI

from closeloop_shared.http.database_guard import install_database_guard
from closeloop_shared.http.errors import install_error_handlers
from closeloop_shared.http.json_depth import JsonDepthLimit
from closeloop_shared.http.middleware import BodyLimit, RequestMetrics
from closeloop_shared.http.rate_limit import SubjectRateLimits
from closeloop_shared.http.security_headers import SecurityHeaders
from closeloop_shared.kafka.supervision import exit_reason, on_exit_request
from closeloop_shared.observability.health import Readiness, health_router
from closeloop_shared.observability.logging import configure_logging
from closeloop_shared.settings import ServiceSettings, refusal

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]
log = logging.getLogger(__name__)


def create_app(
    *,
    settings: ServiceSettings,
    title: str,
    routers: Sequence[APIRouter] = (),
    lifespan: Lifespan | None = None,
    readiness: Readiness | None = None,
    description: str = "",
) -> FastAPI:
    """A FastAPI app with Closeloop's error shape, body size and JSON depth limits, security
    headers, metrics and health routes."""
    app = FastAPI(title=title, version="1.0.0", description=description, lifespan=lifespan)
    app.state.settings = settings
    app.state.readiness = readiness or Readiness()
    app.state.rate_limits = SubjectRateLimits(
        settings.service_name,
        people=settings.rate_limit,
        machines=settings.rate_limit_channel,
        storage_uri=settings.rate_limit_storage_uri,
    )
    install_error_handlers(app)
    install_database_guard(app, retry_after_s=settings.database_retry_after_s)
    # Outermost last: metrics see every request, then headers, then size, then depth.
    app.add_middleware(JsonDepthLimit, max_depth=settings.max_json_depth)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestMetrics)
    app.include_router(health_router())
    for router in routers:
        app.include_router(router)
    return app


def run_service(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve ``app`` until SIGTERM/SIGINT; uvicorn runs the lifespan shutdown, which stops
    consumers after their current record and commits (graceful shutdown)."""
    configure_logging(settings.service_name, settings.log_level)
    problems = settings.check_production()
    if problems:
        raise SystemExit(refusal(settings, problems))
    server = uvicorn.Server(server_config(app, settings))
    on_exit_request(lambda: setattr(server, "should_exit", True))
    asyncio.run(server.serve())
    reason = exit_reason()
    if reason is not None:  # a consumer could not go on: let the supervisor restart us
        raise SystemExit(f"stopped for a restart: {reason}")


def server_config(app: FastAPI, settings: ServiceSettings) -> uvicorn.Config:
    """Uvicorn's configuration: the client address comes from ``X-Forwarded-For`` only when
    the peer is a trusted proxy (``CLOSELOOP_FORWARDED_ALLOW_IPS``)."""
    return uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=20,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


async def _noop(_: FastAPI) -> AsyncIterator[None]:
    yield
