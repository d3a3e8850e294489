"""``GET /v1/reports/daily?date=`` (JSON or ``?format=csv``) and the admin's manual run
``POST /v1/reports/daily/run?date=``, which publishes ``report.daily_ready``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from closeloop_feedback.insights.api.deps import (
    AdminDep,
    ReportReaderDep,
    ReportSnapshotsDep,
    RuntimeDep,
    SettingsDep,
    dated,
    department_scope,
    utc_now,
)
from closeloop_feedback.insights.csv_export import daily_csv
from closeloop_feedback.insights.daily_report import (
    build_daily_report,
    publish_daily_report,
    report_path,
)
from closeloop_feedback.insights.settings import InsightsSettings
from closeloop_shared.http.errors import ApiError

router = APIRouter(tags=["reports"])


def report_day(text: str | None, settings: InsightsSettings) -> date:
    """The ``date`` parameter; by default yesterday in the report time zone."""
    today = utc_now().astimezone(settings.report_zone).date()
    if not text:
        return today - timedelta(days=1)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ApiError(
            422,
            "validation_failed",
            "invalid request: date",
            fields=[{"field": "date", "problem": "must be a date like 2026-11-22"}],
        ) from None
    if day > today:
        raise ApiError(
            422,
            "validation_failed",
            "invalid request: date",
            fields=[{"field": "date", "problem": "must not be in the future"}],
        )
    return day


@router.get(
    "/v1/reports/daily",
    summary="Daily complaint analysis of one local day (JSON or CSV)",
    responses={200: {"content": {"text/csv": {}}}},
)
async def daily_report(
    runtime: RuntimeDep,
    settings: SettingsDep,
    snapshots: ReportSnapshotsDep,
    principal: ReportReaderDep,
    date: str | None = None,
    format: Literal["json", "csv"] = "json",
) -> Response:
    day = report_day(date, settings)
    departments = department_scope(principal)

    async def compute() -> dict[str, Any]:
        return await build_daily_report(runtime.db, day, settings, departments=departments)

    snapshot = await snapshots.get(("daily", day, tuple(departments or ())), compute)
    if format == "csv":
        return dated(
            Response(
                daily_csv(snapshot.value),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="daily-{day}.csv"'},
            ),
            snapshots,
            snapshot,
        )
    return dated(JSONResponse(snapshot.value), snapshots, snapshot)


@router.post(
    "/v1/reports/daily/run",
    summary="Build and announce the daily report now (admin)",
    status_code=200,
)
async def run_daily_report(
    runtime: RuntimeDep, settings: SettingsDep, _: AdminDep, date: str | None = None
) -> dict[str, Any]:
    day = report_day(date, settings)
    report = await publish_daily_report(runtime.db, runtime.producer, settings, day, force=True)
    complaints = report["volume"]["total"] if report else 0
    return {"date": day.isoformat(), "path": report_path(day), "complaints": complaints}
