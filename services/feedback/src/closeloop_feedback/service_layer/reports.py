"""Satisfaction KPIs for reports and the CSAT gauge (R6 target, R9 per-department KPIs).
Other report sections (the daily report, more KPIs) live in their own modules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from closeloop_feedback.adapters.survey_store import SurveyStore
from closeloop_feedback.domain.csat import CSAT_TARGET, CsatRow, GroupBy, Period, compute_csat
from closeloop_feedback.metrics import CSAT_RATIO


@dataclass(frozen=True)
class SatisfactionQuery:
    """Outcomes in ``[start, end)``, grouped; ``departments`` None means all."""

    start: datetime
    end: datetime
    group_by: tuple[GroupBy, ...]
    period: Period
    departments: Sequence[str] | None = None


def row_dict(row: CsatRow) -> dict[str, Any]:
    """One report row as JSON (and CSV) fields."""
    return {
        "department": row.department,
        "agent": row.agent,
        "period": row.period,
        "answered": row.answered,
        "satisfied": row.satisfied,
        "dissatisfied": row.dissatisfied,
        "expired": row.expired,
        "csat": row.csat,
        "mean_score": row.mean_score,
        "response_rate": row.response_rate,
        "target_met": None if row.csat is None else row.csat >= CSAT_TARGET,
    }


async def satisfaction_report(
    store: SurveyStore, query: SatisfactionQuery, tz: tzinfo
) -> dict[str, Any]:
    """The satisfaction subset of the KPI report."""
    outcomes = await store.outcomes(query.start, query.end, query.departments)
    totals, rows = compute_csat(outcomes, group_by=query.group_by, period=query.period, tz=tz)
    return {
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "group_by": [g.value for g in query.group_by],
        "period": query.period.value,
        "target": CSAT_TARGET,
        "satisfaction": {
            "totals": {
                k: v
                for k, v in row_dict(totals).items()
                if k not in ("department", "agent", "period")
            },
            "rows": [row_dict(r) for r in rows],
        },
    }


async def refresh_csat_gauge(
    store: SurveyStore, *, now: datetime, window_days: int
) -> float | None:
    """Set ``closeloop_csat_ratio`` from the surveys answered in the trailing window."""
    outcomes = await store.outcomes(now - timedelta(days=window_days), now + timedelta(seconds=1))
    totals, _ = compute_csat(outcomes, group_by=(), tz=UTC)
    if totals.csat is not None:
        CSAT_RATIO.set(totals.csat)
    return totals.csat
