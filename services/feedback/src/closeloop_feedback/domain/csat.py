"""Customer satisfaction (CSAT) from survey outcomes, per department and per period
(R6 target: satisfaction with resolution ≥ 90%; R9 KPIs per department)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from enum import StrEnum

from closeloop_feedback.domain.survey import is_dissatisfied, is_satisfied

CSAT_TARGET = 0.9
UNASSIGNED = "(unassigned)"


class Period(StrEnum):
    day = "day"
    week = "week"
    month = "month"


class GroupBy(StrEnum):
    department = "department"
    agent = "agent"  # the agent handling the complaint when it was resolved
    period = "period"


@dataclass(frozen=True)
class SurveyOutcome:
    """A finished survey: answered (with score and solved) or expired, and when."""

    department: str | None
    at: datetime
    answered: bool
    score: int | None = None
    solved: bool | None = None
    agent: str | None = None


@dataclass
class CsatRow:
    """Counts and ratio for one group (department and/or period; None when not grouped)."""

    department: str | None = None
    period: str | None = None
    agent: str | None = None
    answered: int = 0
    satisfied: int = 0
    dissatisfied: int = 0
    expired: int = 0
    scores: list[int] = field(default_factory=list, repr=False)

    @property
    def csat(self) -> float | None:
        """Satisfied share of answered surveys; None when nothing was answered."""
        return csat_ratio(self.satisfied, self.answered)

    @property
    def mean_score(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 3) if self.scores else None

    @property
    def response_rate(self) -> float | None:
        """Answered share of finished surveys (answered + expired)."""
        total = self.answered + self.expired
        return round(self.answered / total, 4) if total else None

    def add(self, outcome: SurveyOutcome) -> None:
        if not outcome.answered:
            self.expired += 1
            return
        score, solved = outcome.score or 0, bool(outcome.solved)
        self.answered += 1
        self.scores.append(score)
        self.satisfied += is_satisfied(score, solved)
        self.dissatisfied += is_dissatisfied(score, solved)


def csat_ratio(satisfied: int, answered: int) -> float | None:
    """``satisfied / answered`` rounded to 4 places, None for no answers."""
    return round(satisfied / answered, 4) if answered else None


def period_key(at: datetime, period: Period, tz: tzinfo) -> str:
    """The reporting period of an instant in the report's time zone (2026-11-22, 2026-W47,
    2026-11)."""
    local = at.astimezone(tz)
    if period is Period.day:
        return local.date().isoformat()
    if period is Period.week:
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{local.year}-{local.month:02d}"


def compute_csat(
    outcomes: Iterable[SurveyOutcome],
    *,
    group_by: Sequence[GroupBy] = (GroupBy.department,),
    period: Period = Period.day,
    tz: tzinfo,
) -> tuple[CsatRow, list[CsatRow]]:
    """(totals, rows) with one row per group, sorted by department, agent, then period."""
    totals = CsatRow()
    rows: dict[tuple[str | None, str | None, str | None], CsatRow] = {}
    for outcome in outcomes:
        totals.add(outcome)
        dept = (outcome.department or UNASSIGNED) if GroupBy.department in group_by else None
        agent = (outcome.agent or UNASSIGNED) if GroupBy.agent in group_by else None
        when = period_key(outcome.at, period, tz) if GroupBy.period in group_by else None
        row = CsatRow(department=dept, period=when, agent=agent)
        rows.setdefault((dept, agent, when), row).add(outcome)
    ordered = sorted(
        rows.values(), key=lambda r: (r.department or "", r.agent or "", r.period or "")
    )
    return totals, ordered
