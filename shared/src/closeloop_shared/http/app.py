"""The one FastAPI app factory every service uses, and the process runner."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager

import uvicorn
from fastapi import APIRouter, Depends, FastAPI

from closeloop_shared.heap import freeze_startup_heap
from closeloop_shared.http.database_guard import install_database_guard
from closeloop_shared.http.docs import install_docs
from closeloop_shared.http.errors import install_error_handlers
from closeloop_shared.http.json_depth import JsonDepthLimit
from closeloop_shared.http.middleware import BodyLimit, RequestMetrics
from closeloop_shared.http.openapi import install_openapi
from closeloop_shared.http.query_params import reject_unknown_query_parameters
from closeloop_shared.http.rate_limit import SubjectRateLimits
from closeloop_shared.http.security_headers import PAGE_POLICY, SecurityHeaders
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
    page_policy: str = PAGE_POLICY,
) -> FastAPI:
    """A FastAPI app with Closeloop's error shape, body size and JSON depth limits, security
    headers, metrics and health routes; unknown query parameters of GET routes are 422.
    ``page_policy`` replaces the Content-Security-Policy of HTML pages (the console's pages
    load their own scripts)."""
    app = FastAPI(
        title=title,
        version="1.0.0",
        description=description,
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_query_parameters)],
        docs_url=None,  # served from vendored assets instead of a CDN (see docs.py)
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.readiness = readiness or Readiness()
    app.state.rate_limits = SubjectRateLimits(
        settings.service_name,
        people=settings.rate_limit,
        machines=settings.rate_limit_channel,
        storage_uri=settings.rate_limit_storage_uri,
    )
    install_error_handlers(app)
    install_openapi(app)
    install_database_guard(app, retry_after_s=settings.database_retry_after_s)
    # Outermost last: metrics see every request, then headers, then size, then depth.
    app.add_middleware(JsonDepthLimit, max_depth=settings.max_json_depth)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, page_policy=page_policy)
    app.add_middleware(RequestMetrics)
    app.include_router(health_router())
    install_docs(app)
    for router in routers:
        app.include_router(router)
    return app


def run_service(app: FastAPI | Callable[[], FastAPI], settings: ServiceSettings) -> None:
    """Serve ``app`` until SIGTERM/SIGINT; uvicorn runs the lifespan shutdown, which stops
    consumers after their current record and commits (graceful shutdown). ``app`` may be a
    function that builds it, called inside the event loop, for a service whose clients need
    a running loop when they are created."""
    configure_logging(settings.service_name, settings.log_level)
    problems = settings.check_production()
    if problems:
        raise SystemExit(refusal(settings, problems))
    asyncio.run(_serve(app, settings))
    reason = exit_reason()
    if reason is not None:  # a consumer could not go on: let the supervisor restart us
        raise SystemExit(f"stopped for a restart: {reason}")


async def _serve(app: FastAPI | Callable[[], FastAPI], settings: ServiceSettings) -> None:
    built = app if isinstance(app, FastAPI) else app()
    server = FreezingServer(server_config(built, settings), freeze_heap=settings.gc_freeze)
    on_exit_request(lambda: setattr(server, "should_exit", True))
    await server.serve()


class FreezingServer(uvicorn.Server):
    """Uvicorn's server, which freezes the heap built so far once start-up is over (lifespan
    run, socket bound): see closeloop_shared.heap."""

    def __init__(self, config: uvicorn.Config, *, freeze_heap: bool) -> None:
        super().__init__(config)
        self._freeze_heap = freeze_heap

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self._freeze_heap and self.started:
            freeze_startup_heap()


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
