"""What the service report says, as labelled rows every output format shares (HTML,
Markdown, PDF): formatting of durations, ratios and money, the summary, the tables."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from closeloop_feedback.domain.csat import CSAT_TARGET
from closeloop_feedback.domain.insights.service_report import ServiceReport

DASH = "—"
Table = tuple[list[str], list[list[str]]]
KIND_NAMES = {
    "complaint": "Complaints",
    "grievance": "Grievances",
    "suggestion": "Suggestions",
    "praise": "Praise",
}


def percent(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


def duration(seconds: float | None) -> str:
    """Working time, readable: ``45 min``, ``3.5 h``."""
    if seconds is None:
        return DASH
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def money(amounts: dict[str, float]) -> str:
    return ", ".join(f"{cur} {amt:,.2f}" for cur, amt in amounts.items()) or DASH


def summary_rows(report: ServiceReport) -> list[tuple[str, str]]:
    """The headline figures of the period."""
    t: dict[str, Any] = report.totals
    fr, res = t["first_response_seconds"], t["resolution_seconds"]
    csat = t["csat"]
    return [
        ("Feedback received", str(t["complaints"])),
        ("Resolved or closed", f"{t['resolved']} ({percent(t['resolution_rate'])})"),
        ("Reopened after resolution", f"{t['reopened']} ({percent(t['reopen_rate'])})"),
        (
            "First response, median / 90th percentile",
            f"{duration(fr['p50'])} / {duration(fr['p90'])}",
        ),
        (
            "Resolution, median / 90th percentile",
            f"{duration(res['p50'])} / {duration(res['p90'])}",
        ),
        ("Time limits met (first response, solution)", percent(t["on_time"]["ratio"])),
        (
            f"Satisfaction (target {percent(CSAT_TARGET)})",
            f"{percent(csat['ratio'])} of {csat['answered']} answers",
        ),
        ("Remedies granted", str(t["remedies_granted"])),
        ("Compensation paid", money(t["compensation"])),
    ]


def volume_tables(report: ServiceReport) -> list[tuple[str, Table]]:
    """Counts by kind, channel, severity and the most frequent categories."""
    titles = {
        "by_kind": "By kind",
        "by_channel": "By channel",
        "by_severity": "By severity",
        "by_category": "Most frequent categories",
    }
    out = []
    for key, title in titles.items():
        counts = report.volume[key]
        names = KIND_NAMES if key == "by_kind" else {}
        rows = [[names.get(k, k.replace("_", " ")), str(n)] for k, n in counts.items()]
        out.append((title, (["", "count"], rows)))
    return out


def department_table(report: ServiceReport) -> Table:
    head = ["Department", "Received", "Resolved", "On time", "Median resolution", "Satisfaction"]
    rows = [
        [
            str(d["department"]),
            str(d["complaints"]),
            percent(d["resolution_rate"]),
            percent(d["on_time"]["ratio"]),
            duration(d["resolution_seconds"]["p50"]),
            percent(d["csat"]["ratio"]),
        ]
        for d in report.departments
    ]
    return head, rows


def series_table(report: ServiceReport) -> Table:
    head = ["From", "Received", "On time", "Satisfaction"]
    rows = [
        [p.label, str(p.received), percent(p.on_time_ratio), percent(p.csat)] for p in report.series
    ]
    return head, rows


def improvement_rows(report: ServiceReport) -> list[dict[str, str]]:
    """Improvement actions as published (who recorded them is left out)."""
    return [
        {
            "title": a.title,
            "description": a.description,
            "effective_on": a.effective_on.isoformat(),
            "status": a.status.value.replace("_", " "),
            "scope": " · ".join(dict.fromkeys(x for x in (a.department, a.category) if x)),
        }
        for a in report.improvements
    ]


def title_of(report: ServiceReport) -> str:
    return f"Service report {report.period.label}"


def subtitle_of(report: ServiceReport) -> str:
    p = report.period
    last = p.end - timedelta(days=1)
    return (
        f"{p.start.isoformat()} to {last.isoformat()} ({report.timezone}), "
        f"generated {report.generated_at.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')}"
    )


PRIVACY_NOTE = (
    "This report contains aggregate figures only: no names, contact details, complaint texts "
    "or customer identifiers."
)
