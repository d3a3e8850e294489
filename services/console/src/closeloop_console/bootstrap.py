"""Wires the console: settings → upstream client, live hub, sign-in → pages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from closeloop_console.adapters.live import LiveHub, consume_live_events
from closeloop_console.adapters.presence import Presence
from closeloop_console.adapters.upstream import Upstreams
from closeloop_console.config import ConsoleSettings
from closeloop_console.entrypoints.web import admin, complaint, desk, presence, queues, signin
from closeloop_console.entrypoints.web.guards import CSP, NoStore, install_page_handlers
from closeloop_shared.auth import TokenVerifier
from closeloop_shared.http.app import create_app
from closeloop_shared.observability.health import Readiness

STATIC = Path(__file__).resolve().parent / "static"
ROUTERS = [
    signin.router,
    queues.router,
    complaint.router,
    presence.router,
    desk.router,
    admin.router,
]


def bootstrap(
    settings: ConsoleSettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the app; the upstream client and the SLA events reader start with it."""
    settings = settings or ConsoleSettings()
    # httpx logs every request URL at INFO; a lookup's URL carries a phone number or e-mail,
    # and logs never hold personal data.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    hub = LiveHub()
    assignments = LiveHub()
    upstreams = Upstreams(settings, transport)
    readiness = Readiness()
    if settings.live_updates:
        readiness.add("sla_events", lambda: hub.consuming)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        reader = (
            asyncio.create_task(consume_live_events(settings, hub, assignments))
            if settings.live_updates
            else None
        )
        try:
            yield
        finally:
            if reader is not None:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
            await upstreams.close()

    app = create_app(
        settings=settings,
        title="Closeloop console",
        description="The agents' and supervisors' workbench (server-rendered pages).",
        routers=ROUTERS,
        lifespan=lifespan,
        readiness=readiness,
        page_policy=CSP,
    )
    app.state.token_verifier = TokenVerifier(settings)
    app.state.upstreams = upstreams
    app.state.live = hub
    app.state.assignments = assignments
    app.state.presence = Presence()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_page_handlers(app)
    signin.install_oidc(app, settings)
    app.add_middleware(NoStore)
    return app
