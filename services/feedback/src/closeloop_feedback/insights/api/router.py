"""The insights router the feedback app mounts."""

from __future__ import annotations

from fastapi import APIRouter

from closeloop_feedback.insights.api import daily, improvements, service_report


def insights_router() -> APIRouter:
    """Daily report (and its manual run), improvement actions and the service report.
    ``GET /v1/reports/kpi`` is separate: see ``kpi_router``."""
    router = APIRouter()
    router.include_router(daily.router)
    router.include_router(improvements.router)
    router.include_router(service_report.router)
    return router
