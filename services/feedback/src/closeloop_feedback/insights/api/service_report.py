"""``GET /v1/reports/service?period=2026-Q4&format=html|md|pdf&lang=en|zh-CN``: the
publishable service report (supervisor, admin, auditor). Rendering runs in a worker thread;
without its CJK font the report is refused with 503 ``report_font_missing``."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import Response

from closeloop_feedback.domain.insights.periods import parse_period
from closeloop_feedback.domain.notices import Language
from closeloop_feedback.insights.api.deps import PublisherDep, RuntimeDep, SettingsDep
from closeloop_feedback.insights.report_format import ReportFormat
from closeloop_shared.http.errors import ApiError

router = APIRouter(tags=["reports"])


@router.get(
    "/v1/reports/service",
    summary="The periodic service report, free of personal data (HTML, Markdown or PDF)",
    responses={
        200: {"content": {"text/html": {}, "text/markdown": {}, "application/pdf": {}}},
        503: {"description": "report_font_missing: the report's CJK font is not installed"},
    },
)
async def service_report(
    runtime: RuntimeDep,
    settings: SettingsDep,
    _: PublisherDep,
    period: str,
    format: ReportFormat = ReportFormat.html,
    lang: Language = Language.en,
) -> Response:
    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise ApiError(
            422,
            "validation_failed",
            "invalid request: period",
            fields=[{"field": "period", "problem": str(exc)}],
        ) from None
    # matplotlib loads with the first report, not with the service.
    from closeloop_feedback.insights.charts import ReportFontMissing
    from closeloop_feedback.insights.service_report import (
        load_service_report,
        render_service_report,
    )

    report = await load_service_report(runtime.db, parsed, timezone=settings.report_tz)
    try:
        rendered = await asyncio.to_thread(render_service_report, report, format, language=lang)
    except ReportFontMissing as exc:
        raise ApiError(503, "report_font_missing", str(exc)) from None
    name = f"service-report-{parsed.label}.{format.value}"
    return Response(
        rendered.content,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
