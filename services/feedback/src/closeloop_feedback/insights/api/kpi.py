"""``GET /v1/reports/kpi?from=&to=&group_by=department|agent`` (JSON or CSV): handling
KPIs of the complaints received in the window."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from closeloop_feedback.domain.insights.kpi import KpiGroup
from closeloop_feedback.domain.report_window import WindowInvalid, report_window
from closeloop_feedback.insights.api.deps import (
    ReportReaderDep,
    RuntimeDep,
    SettingsDep,
    department_scope,
    utc_now,
)
from closeloop_feedback.insights.csv_export import kpi_csv
from closeloop_feedback.insights.kpi_report import handling_kpis
from closeloop_shared.http.errors import ApiError


async def kpi_report(
    runtime: RuntimeDep,
    settings: SettingsDep,
    principal: ReportReaderDep,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    group_by: KpiGroup = KpiGroup.department,
    format: Literal["json", "csv"] = "json",
) -> Response:
    """First-response and resolution times (p50/p90, working seconds), on-time ratio,
    resolution and reopen rates, CSAT and remedies, per department or per agent."""
    try:
        start, end = report_window(from_, to, tz=settings.report_zone, now=utc_now())
    except WindowInvalid as exc:
        fields = [{"field": f, "problem": p} for f, p in exc.problems.items()]
        raise ApiError(422, "validation_failed", str(exc), fields=fields) from None
    report = await handling_kpis(runtime.db, start, end, group_by, department_scope(principal))
    if format == "csv":
        return Response(
            kpi_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="kpi-{group_by}.csv"'},
        )
    return JSONResponse(report)


def kpi_router() -> APIRouter:
    """``kpi_report`` mounted on ``GET /v1/reports/kpi``."""
    router = APIRouter(tags=["reports"])
    router.add_api_route(
        "/v1/reports/kpi",
        kpi_report,
        methods=["GET"],
        summary="KPIs per department or agent: timeliness, resolution, reopening, CSAT",
        responses={200: {"content": {"text/csv": {}}}},
    )
    return router
