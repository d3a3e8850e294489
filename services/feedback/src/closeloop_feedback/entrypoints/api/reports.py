"""``GET /v1/reports/kpi``: the KPI report, as JSON or CSV.

Two sections: ``handling`` (first-response and resolution times in working time, on-time
ratio, resolution and reopen rates, CSAT and remedies per department or per agent, from the
insights read model) and ``satisfaction`` (surveys answered, satisfied, dissatisfied, expired
per department and per period). CSV carries one section, chosen with ``section=``."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from closeloop_feedback.domain.csat import GroupBy, Period
from closeloop_feedback.domain.insights.kpi import KpiGroup
from closeloop_feedback.domain.report_window import WindowInvalid, report_window
from closeloop_feedback.entrypoints.deps import FeedbackDep, ReportReaderDep
from closeloop_feedback.insights.api.deps import ReportSnapshotsDep, RuntimeDep, dated
from closeloop_feedback.insights.csv_export import kpi_csv
from closeloop_feedback.insights.kpi_report import handling_kpis
from closeloop_feedback.service_layer.clock import utc_now
from closeloop_feedback.service_layer.reports import SatisfactionQuery, satisfaction_report
from closeloop_shared.auth import Role
from closeloop_shared.http.errors import ApiError

router = APIRouter(tags=["reports"])
CSV_COLUMNS = [
    "department",
    "period",
    "answered",
    "satisfied",
    "dissatisfied",
    "expired",
    "csat",
    "mean_score",
    "response_rate",
    "target_met",
    "agent",  # added last: existing columns keep their places
]


def parse_group_by(text: str) -> tuple[GroupBy, ...]:
    """``department``, ``agent``, ``period``, comma-separated (``agent`` also selects the
    handling section's grouping)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        groups = tuple(dict.fromkeys(GroupBy(p) for p in parts or ["department"]))
    except ValueError:
        raise ApiError(
            422,
            "validation_failed",
            "invalid request: group_by",
            fields=[{"field": "group_by", "problem": "use department, agent or period"}],
        ) from None
    return groups


def to_csv(report: dict[str, Any]) -> str:
    """The report's rows as CSV (one header line, then one line per group)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in report["satisfaction"]["rows"]:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


@router.get(
    "/v1/reports/kpi",
    summary="KPIs per department or agent: timeliness, resolution, reopening, CSAT",
    responses={200: {"content": {"text/csv": {}}}},
)
async def kpi_report(
    feedback: FeedbackDep,
    runtime: RuntimeDep,
    snapshots: ReportSnapshotsDep,
    principal: ReportReaderDep,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    group_by: str = "department",
    period: Period = Period.day,
    format: Literal["json", "csv"] = "json",
    section: Literal["handling", "satisfaction"] = "handling",
) -> Response:
    settings = feedback.settings
    try:
        start, end = report_window(from_, to, tz=settings.tz, now=utc_now())
    except WindowInvalid as exc:
        fields = [{"field": f, "problem": p} for f, p in exc.problems.items()]
        raise ApiError(422, "validation_failed", str(exc), fields=fields) from None
    departments = None
    if principal.roles == {Role.department}:
        departments = sorted(principal.departments)  # a department sees only its own
    query = SatisfactionQuery(start, end, parse_group_by(group_by), period, departments)
    handling_group = KpiGroup.agent if "agent" in group_by.split(",") else KpiGroup.department

    async def compute() -> dict[str, Any]:
        report = await satisfaction_report(feedback.survey_store, query, settings.tz)
        handling = await handling_kpis(runtime.db, start, end, handling_group, departments)
        return {**report, "handling": handling}

    # Keyed by what was asked (an open window's end is "now" at computation time).
    key = ("kpi", from_, to, query.group_by, period, handling_group, tuple(departments or ()))
    snapshot = await snapshots.get(key, compute)
    report = snapshot.value
    if format == "csv":
        text = kpi_csv(report["handling"]) if section == "handling" else to_csv(report)
        return dated(
            Response(
                text,
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="kpi-{section}.csv"'},
            ),
            snapshots,
            snapshot,
        )
    return dated(JSONResponse(report), snapshots, snapshot)
