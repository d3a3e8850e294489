"""The daily complaint analysis (R9, 000 §三(二)3): the day's volume, its recurring problems
and demands, repeat complainants, open and closed complaints, SLA compliance and breaches,
satisfaction, and the day against its 7-day average."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from closeloop_feedback.domain.insights.clustering import cluster_documents
from closeloop_feedback.domain.insights.comparison import FLOW_CHANGES, compare_with_week
from closeloop_feedback.domain.insights.facts import ComplaintFacts, StatusGroup, status_group
from closeloop_feedback.domain.insights.stats import ratio, tally
from closeloop_feedback.domain.insights.terms import top_keywords
from closeloop_feedback.domain.insights.window import DayWindow
from closeloop_feedback.domain.survey import is_dissatisfied, is_satisfied

CLUSTER_SAMPLE = 10


@dataclass(frozen=True)
class DailyInputs:
    """What the daily report reads: the complaints received in, or touched during, the day
    and the 7 days before; complaints per pseudonym over the repeat window ending with the
    day; and the backlog (complaints per status group) at the end of the day."""

    window: DayWindow
    tz: tzinfo
    complaints: Sequence[ComplaintFacts]
    pseudonym_history: Mapping[str, int]
    backlog: Mapping[str, int]
    repeat_window_days: int = 30
    top: int = 10


def _volume(today: Sequence[ComplaintFacts]) -> dict[str, Any]:
    return {
        "total": len(today),
        "by_channel": tally(c.channel for c in today),
        "by_kind": tally(c.kind for c in today),
        "by_category": tally(c.category for c in today),
        "by_severity": tally(c.severity for c in today),
    }


def _top_problems(today: Sequence[ComplaintFacts], top: int) -> dict[str, Any]:
    ordered = sorted(today, key=lambda c: (c.received_at, c.complaint_id))
    category = {c.complaint_id: c.category for c in today}
    clusters = cluster_documents([(c.complaint_id, c.terms) for c in ordered])
    return {
        "categories": [
            {"category": k, "complaints": n, "share": ratio(n, len(today))}
            for k, n in list(tally(c.category for c in today).items())[:top]
        ],
        "keywords": [
            {"term": t, "complaints": n}
            for t, n in top_keywords((c.terms for c in today), limit=top)
        ],
        "clusters": [
            {
                "size": cl.size,
                "terms": list(cl.terms),
                "categories": tally(category[m] for m in cl.members),
                "complaint_ids": list(cl.members[:CLUSTER_SAMPLE]),
            }
            for cl in clusters[:top]
        ],
    }


def _repeat_complainants(inputs: DailyInputs, today: Sequence[ComplaintFacts]) -> dict[str, Any]:
    todays = tally(c.pseudonym for c in today if c.pseudonym)
    repeaters = {p: n for p, n in todays.items() if inputs.pseudonym_history.get(p, n) >= 2}
    ranked = sorted(repeaters, key=lambda p: (-inputs.pseudonym_history.get(p, 0), p))
    return {
        "window_days": inputs.repeat_window_days,
        "complainants": len(repeaters),
        "complaints": sum(repeaters.values()),
        "top": [
            {
                "pseudonym": p,
                "complaints_today": repeaters[p],
                "complaints_in_window": inputs.pseudonym_history.get(p, repeaters[p]),
            }
            for p in ranked[: inputs.top]
        ],
    }


def _status(inputs: DailyInputs, today: Sequence[ComplaintFacts]) -> dict[str, Any]:
    end = inputs.window.end
    groups = dict.fromkeys((g.value for g in StatusGroup), 0)
    for c in today:
        groups[status_group(c.status_at(end)).value] += 1
    flow = dict.fromkeys(FLOW_CHANGES, 0)
    for c in inputs.complaints:
        for change in c.statuses:
            if change.at in inputs.window and change.change in flow:
                flow[change.change] += 1
    backlog = {g.value: int(inputs.backlog.get(g.value, 0)) for g in StatusGroup}
    return {"received_today": groups, "backlog_at_end": backlog, "changes": flow}


def _sla(inputs: DailyInputs) -> dict[str, Any]:
    by_clock: dict[str, dict[str, Any]] = {}
    breaches = []
    for c in inputs.complaints:
        for o in c.clocks:
            if o.at not in inputs.window:
                continue
            row = by_clock.setdefault(o.clock, {"on_time": 0, "late_met": 0, "breached": 0})
            key = "breached" if o.breached else "late_met" if o.late else "on_time"
            row[key] += 1
            if o.breached:
                breaches.append((o, c))
    for row in by_clock.values():
        row["compliance"] = ratio(row["on_time"], row["on_time"] + row["breached"])
    on_time = sum(r["on_time"] for r in by_clock.values())
    breached = sum(r["breached"] for r in by_clock.values())
    breaches.sort(key=lambda oc: (oc[0].at, oc[1].complaint_id))
    return {
        "compliance": ratio(on_time, on_time + breached),
        "by_clock": dict(sorted(by_clock.items())),
        "breaches": [
            {
                "complaint_id": c.complaint_id,
                "clock": o.clock,
                "severity": o.severity or c.severity,
                "deadline": o.deadline.isoformat() if o.deadline else None,
                "detected_at": o.at.isoformat(),
                "department": c.department,
            }
            for o, c in breaches
        ],
    }


def _satisfaction(inputs: DailyInputs) -> dict[str, Any]:
    answers = [a for c in inputs.complaints for a in c.surveys if a.at in inputs.window]
    satisfied = sum(is_satisfied(a.score, a.solved) for a in answers)
    scores = [a.score for a in answers]
    return {
        "answered": len(answers),
        "satisfied": satisfied,
        "dissatisfied": sum(is_dissatisfied(a.score, a.solved) for a in answers),
        "csat": ratio(satisfied, len(answers)),
        "mean_score": round(sum(scores) / len(scores), 3) if scores else None,
    }


def compute_daily_report(inputs: DailyInputs) -> dict[str, Any]:
    """The daily report as JSON-ready values (instants in ISO-8601)."""
    today = [c for c in inputs.complaints if c.received_at in inputs.window]
    return {
        "date": inputs.window.day.isoformat(),
        "from": inputs.window.start.isoformat(),
        "to": inputs.window.end.isoformat(),
        "volume": _volume(today),
        "top_problems": _top_problems(today, inputs.top),
        "repeat_complainants": _repeat_complainants(inputs, today),
        "status": _status(inputs, today),
        "sla": _sla(inputs),
        "satisfaction": _satisfaction(inputs),
        "comparison": compare_with_week(inputs.complaints, inputs.window, inputs.tz),
    }
