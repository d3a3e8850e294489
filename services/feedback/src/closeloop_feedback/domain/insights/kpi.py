"""KPIs per department or per agent (R9): timeliness, resolution, reopening, satisfaction
and remedies, over a cohort — the complaints received in the report window, as they stand.

Times are working seconds from the SLA's ``met`` events: first response from the
``first_response`` clock; resolution from the ``resolution`` clock, or from
``initial_solution`` where the policy has no resolution clock. A reopened complaint's
time is the sum of its runs. The on-time ratio covers the handling clocks
(first response, initial solution, resolution)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from closeloop_feedback.domain.insights.facts import (
    HANDLING_CLOCKS,
    ComplaintFacts,
    StatusGroup,
    status_group,
)
from closeloop_feedback.domain.insights.stats import Spread, ratio
from closeloop_feedback.domain.insights.timeliness import Timeliness, complaint_timeliness
from closeloop_feedback.domain.survey import is_satisfied


class KpiGroup(StrEnum):
    department = "department"
    agent = "agent"


def first_response_seconds(c: ComplaintFacts) -> float | None:
    """Working seconds to the first response, None while not met."""
    runs = [o.working_seconds for o in c.clocks if o.met and o.clock == "first_response"]
    return sum(r for r in runs if r is not None) if runs else None


def resolution_seconds(c: ComplaintFacts) -> float | None:
    """Working seconds to resolution (all runs), None while not met."""
    for clock in ("resolution", "initial_solution"):
        runs = [o.working_seconds for o in c.clocks if o.met and o.clock == clock]
        if runs:
            return sum(r for r in runs if r is not None)
    return None


@dataclass
class KpiRow:
    """The KPIs of one group (``key`` None for the totals)."""

    key: str | None = None
    complaints: int = 0
    resolved: int = 0
    resolved_ever: int = 0
    reopened: int = 0
    first_response: list[float] = field(default_factory=list, repr=False)
    resolution: list[float] = field(default_factory=list, repr=False)
    clocks: dict[str, Timeliness] = field(default_factory=lambda: defaultdict(Timeliness))
    answered: int = 0
    satisfied: int = 0
    remedies_granted: int = 0
    compensation: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, c: ComplaintFacts) -> None:
        self.complaints += 1
        self.resolved += status_group(c.current_status) is not StatusGroup.open
        self.resolved_ever += bool(c.resolutions) or c.was("resolved")
        self.reopened += c.was("reopened")
        if (seconds := first_response_seconds(c)) is not None:
            self.first_response.append(seconds)
        if (seconds := resolution_seconds(c)) is not None:
            self.resolution.append(seconds)
        for clock, counts in complaint_timeliness(c.clocks).items():
            if clock in HANDLING_CLOCKS:
                self.clocks[clock].add(counts)
        for answer in c.surveys:
            self.answered += 1
            self.satisfied += is_satisfied(answer.score, answer.solved)
        for resolution in c.resolutions:
            self.remedies_granted += resolution.remedy_granted
            if resolution.compensation_amount and resolution.compensation_currency:
                currency = resolution.compensation_currency
                self.compensation[currency] += resolution.compensation_amount

    @property
    def on_time(self) -> Timeliness:
        total = Timeliness()
        for counts in self.clocks.values():
            total.add(counts)
        return total

    def as_dict(self) -> dict[str, Any]:
        """JSON fields of the row (times in working seconds)."""
        return {
            "complaints": self.complaints,
            "first_response_seconds": Spread.of(self.first_response).as_dict(),
            "resolution_seconds": Spread.of(self.resolution).as_dict(),
            "on_time": {
                **self.on_time.as_dict(),
                "by_clock": {k: v.as_dict() for k, v in sorted(self.clocks.items())},
            },
            "resolved": self.resolved,
            "resolution_rate": ratio(self.resolved, self.complaints),
            "reopened": self.reopened,
            "reopen_rate": ratio(self.reopened, self.resolved_ever),
            "csat": {
                "answered": self.answered,
                "satisfied": self.satisfied,
                "ratio": ratio(self.satisfied, self.answered),
            },
            "remedies_granted": self.remedies_granted,
            "compensation": {k: round(v, 2) for k, v in sorted(self.compensation.items())},
        }


@dataclass
class KpiTally:
    """KPIs counted one complaint at a time, so a cohort can be streamed from the database
    instead of held in memory: only two numbers per complaint (its times) are kept."""

    group_by: KpiGroup | None
    totals: KpiRow = field(default_factory=KpiRow)
    rows: dict[str, KpiRow] = field(default_factory=dict)

    def add(self, complaint: ComplaintFacts) -> None:
        self.totals.add(complaint)
        if self.group_by is not None:
            key = complaint.group_key(self.group_by.value)
            self.rows.setdefault(key, KpiRow(key=key)).add(complaint)

    def result(self) -> tuple[KpiRow, list[KpiRow]]:
        """(totals, one row per department or agent sorted by key)."""
        return self.totals, [self.rows[k] for k in sorted(self.rows)]


def compute_kpis(
    complaints: Iterable[ComplaintFacts], group_by: KpiGroup | None
) -> tuple[KpiRow, list[KpiRow]]:
    """(totals, one row per department or agent sorted by key); no rows when not grouped."""
    tally = KpiTally(group_by)
    for complaint in complaints:
        tally.add(complaint)
    return tally.result()
