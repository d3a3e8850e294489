"""The periodic service report for the public (R9, 000 篇2 §2(4)): volumes, timeliness,
resolution and satisfaction of the period, their course over the period, per-department
figures and the improvement actions taken. It holds no personal data: no contact details,
no texts, no customer pseudonyms and no staff names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Any

from closeloop_feedback.domain.insights.facts import HANDLING_CLOCKS, ComplaintFacts
from closeloop_feedback.domain.insights.improvements import ImprovementAction
from closeloop_feedback.domain.insights.kpi import KpiGroup, compute_kpis
from closeloop_feedback.domain.insights.periods import ReportPeriod, buckets
from closeloop_feedback.domain.insights.stats import ratio, tally
from closeloop_feedback.domain.survey import is_satisfied

TOP_CATEGORIES = 10


@dataclass(frozen=True)
class SeriesPoint:
    """One bucket of the charts: complaints received, handling clocks decided on time or
    breached, and surveys answered within it."""

    label: str
    start: date
    received: int
    on_time: int
    breached: int
    answered: int
    satisfied: int

    @property
    def on_time_ratio(self) -> float | None:
        return ratio(self.on_time, self.on_time + self.breached)

    @property
    def csat(self) -> float | None:
        return ratio(self.satisfied, self.answered)


@dataclass(frozen=True)
class ServiceReport:
    """Everything the rendered report shows."""

    period: ReportPeriod
    timezone: str
    generated_at: datetime
    totals: dict[str, Any]
    volume: dict[str, dict[str, int]]
    departments: list[dict[str, Any]]
    series: list[SeriesPoint]
    improvements: list[ImprovementAction]


def _instant(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(), tz)


def _series(
    period: ReportPeriod, complaints: Sequence[ComplaintFacts], tz: tzinfo
) -> list[SeriesPoint]:
    points = []
    for label, first, stop in buckets(period):
        start, end = _instant(first, tz), _instant(stop, tz)

        def inside(at: datetime | None, start: datetime = start, end: datetime = end) -> bool:
            return at is not None and start <= at < end

        clocks = [
            o for c in complaints for o in c.clocks if o.clock in HANDLING_CLOCKS and inside(o.at)
        ]
        answers = [a for c in complaints for a in c.surveys if inside(a.at)]
        points.append(
            SeriesPoint(
                label=label,
                start=first,
                received=sum(inside(c.received_at) for c in complaints),
                on_time=sum(o.met and not o.late for o in clocks),
                breached=sum(o.breached for o in clocks),
                answered=len(answers),
                satisfied=sum(is_satisfied(a.score, a.solved) for a in answers),
            )
        )
    return points


def build_service_report(
    period: ReportPeriod,
    complaints: Sequence[ComplaintFacts],
    improvements: Sequence[ImprovementAction],
    *,
    tz: tzinfo,
    timezone: str,
    generated_at: datetime,
) -> ServiceReport:
    """The report of ``period`` from the complaints received in it or handled during it.

    Totals and department figures cover the complaints received in the period; the series
    follow when things happened.
    """
    start, end = _instant(period.start, tz), _instant(period.end, tz)
    cohort = [c for c in complaints if c.received_at is not None and start <= c.received_at < end]
    totals, rows = compute_kpis(cohort, KpiGroup.department)
    categories = tally(c.category for c in cohort)
    return ServiceReport(
        period=period,
        timezone=timezone,
        generated_at=generated_at,
        totals=totals.as_dict(),
        volume={
            "by_kind": tally(c.kind for c in cohort),
            "by_channel": tally(c.channel for c in cohort),
            "by_category": dict(list(categories.items())[:TOP_CATEGORIES]),
            "by_severity": tally(c.severity for c in cohort),
        },
        departments=[{"department": r.key, **r.as_dict()} for r in rows],
        series=_series(period, complaints, tz),
        improvements=sorted(
            (a for a in improvements if period.start <= a.effective_on < period.end),
            key=lambda a: (a.effective_on, a.title),
        ),
    )
