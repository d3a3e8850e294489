"""Loads and renders the periodic service report (``closeloop report service`` and
``GET /v1/reports/service``). It reads the insights read model and the improvement actions
only; the sealed customer data is never stored there, so it can never be opened here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from pymongo.asynchronous.database import AsyncDatabase

from closeloop_feedback.domain.insights.periods import ReportPeriod
from closeloop_feedback.domain.insights.service_report import ServiceReport, build_service_report
from closeloop_feedback.domain.notices import Language
from closeloop_feedback.insights.improvement_store import ImprovementStore
from closeloop_feedback.insights.queries import InsightReads
from closeloop_feedback.insights.report_format import ReportFormat
from closeloop_feedback.insights.report_pdf import render_pdf
from closeloop_feedback.insights.report_render import Rendered, render_html, render_markdown
from closeloop_shared.mongo import Document


async def load_service_report(
    db: AsyncDatabase[Document], period: ReportPeriod, *, timezone: str, now: datetime | None = None
) -> ServiceReport:
    """The report of ``period`` (local days in ``timezone``)."""
    tz = ZoneInfo(timezone)
    start = datetime.combine(period.start, time(), tz)
    end = datetime.combine(period.end, time(), tz)
    complaints = await InsightReads(db).active_between(start, end)
    improvements = await ImprovementStore(db).between(period.start, period.end, limit=1000)
    return build_service_report(
        period,
        complaints,
        improvements,
        tz=tz,
        timezone=timezone,
        generated_at=now or datetime.now(UTC),
    )


def render_service_report(
    report: ServiceReport,
    fmt: ReportFormat,
    chart_file: Callable[[str], str] | None = None,
    *,
    language: Language = Language.en,
) -> Rendered:
    """The report in ``fmt`` and ``language``; Markdown charts go to ``chart_file(name)``
    when given. Raises ReportFontMissing when the CJK font is not installed."""
    if fmt is ReportFormat.pdf:
        return Rendered(render_pdf(report, language), "application/pdf")
    if fmt is ReportFormat.md:
        return render_markdown(report, chart_file, language)
    return render_html(report, language)
