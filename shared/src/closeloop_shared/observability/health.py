"""Liveness, readiness and metrics endpoints for any FastAPI app or worker.

``/healthz``: the process is alive and no registered liveness check (``app.state.liveness``,
e.g. a stalled consumer) fails; a 503 asks the supervisor for a restart. ``/readyz``: every
registered dependency check passes (database reachable, consumers assigned, tables
recovered...). ``/metrics``: Prometheus.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

Check = Callable[[], Awaitable[bool] | bool]


class Readiness:
    """Named readiness checks; each returns True when its dependency is usable."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def add(self, name: str, check: Check) -> None:
        self._checks[name] = check

    async def evaluate(self, timeout_s: float = 2.0) -> dict[str, bool]:
        results: dict[str, bool] = {}
        for name, check in self._checks.items():
            try:
                outcome = check()
                if not isinstance(outcome, bool):
                    outcome = await asyncio.wait_for(outcome, timeout_s)
                results[name] = bool(outcome)
            except Exception:
                results[name] = False
        return results


def health_router() -> APIRouter:
    """Routes ``/healthz``, ``/readyz`` and ``/metrics`` (never authenticated)."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="Liveness: the process and its consumers make progress")
    async def healthz(request: Request) -> JSONResponse:
        liveness: Readiness | None = getattr(request.app.state, "liveness", None)
        checks = await liveness.evaluate() if liveness is not None else {}
        alive = all(checks.values())
        body: dict[str, object] = {"status": "alive" if alive else "stalled"}
        if checks:
            body["checks"] = checks
        return JSONResponse(body, status_code=200 if alive else 503)

    @router.get("/readyz", summary="Readiness: every dependency check passes")
    async def readyz(request: Request) -> JSONResponse:
        readiness: Readiness = request.app.state.readiness
        checks = await readiness.evaluate()
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "checks": checks},
            status_code=200 if ready else 503,
        )

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
