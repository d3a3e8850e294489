"""The day against the average of the 7 days before it. Counts compare with their daily
mean; ratios with the pooled ratio of the 7 days (their numerators over their
denominators), so a quiet day does not weigh as much as a busy one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import tzinfo
from typing import Any

from closeloop_feedback.domain.insights.facts import ComplaintFacts
from closeloop_feedback.domain.insights.stats import ratio
from closeloop_feedback.domain.insights.window import DayWindow
from closeloop_feedback.domain.survey import is_satisfied

COMPARISON_DAYS = 7
FLOW_CHANGES = ("acknowledged", "resolved", "reopened", "closed")


@dataclass(frozen=True)
class DayFigures:
    """The headline counts of one day."""

    received: int = 0
    acknowledged: int = 0
    resolved: int = 0
    reopened: int = 0
    closed: int = 0
    breaches: int = 0
    met_on_time: int = 0
    surveys_answered: int = 0
    satisfied: int = 0


def day_figures(complaints: Sequence[ComplaintFacts], window: DayWindow) -> DayFigures:
    """What happened on one day, whichever day the complaints were received."""
    flow = dict.fromkeys(FLOW_CHANGES, 0)
    breaches = on_time = answered = satisfied = 0
    for c in complaints:
        for change in c.statuses:
            if change.at in window and change.change in flow:
                flow[change.change] += 1
        for o in c.clocks:
            if o.at in window:
                breaches += o.breached
                on_time += o.met and not o.late
        for a in c.surveys:
            if a.at in window:
                answered += 1
                satisfied += is_satisfied(a.score, a.solved)
    return DayFigures(
        received=sum(c.received_at in window for c in complaints),
        breaches=breaches,
        met_on_time=on_time,
        surveys_answered=answered,
        satisfied=satisfied,
        **flow,
    )


def _compare(today: float | None, average: float | None) -> dict[str, Any]:
    delta = None if today is None or average is None else round(today - average, 4)
    change = None if delta is None or not average else round(delta / average, 4)
    return {"today": today, "average_7d": average, "delta": delta, "change": change}


def compare_with_week(
    complaints: Sequence[ComplaintFacts], window: DayWindow, tz: tzinfo
) -> dict[str, Any]:
    """Each headline figure of the day next to its 7-day average."""
    today = day_figures(complaints, window)
    week = [day_figures(complaints, window.shifted(-n, tz)) for n in range(1, COMPARISON_DAYS + 1)]
    metrics: dict[str, Any] = {}
    for f in fields(DayFigures):
        if f.name in ("met_on_time", "satisfied"):
            continue
        values = [getattr(d, f.name) for d in week]
        metrics[f.name] = _compare(getattr(today, f.name), round(sum(values) / len(week), 4))
    on_time, breaches = sum(d.met_on_time for d in week), sum(d.breaches for d in week)
    metrics["sla_compliance"] = _compare(
        ratio(today.met_on_time, today.met_on_time + today.breaches),
        ratio(on_time, on_time + breaches),
    )
    metrics["csat"] = _compare(
        ratio(today.satisfied, today.surveys_answered),
        ratio(sum(d.satisfied for d in week), sum(d.surveys_answered for d in week)),
    )
    return {"days": COMPARISON_DAYS, "metrics": metrics}
