"""What the service report says, as labelled rows every output format shares (HTML,
Markdown, PDF): formatting of durations, ratios and money, the summary, the tables."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Any

from closeloop_feedback.domain.csat import CSAT_TARGET
from closeloop_feedback.domain.insights.service_report import ServiceReport
from closeloop_feedback.domain.localisation import text, words
from closeloop_feedback.domain.notices import Language

DASH = "—"
Table = tuple[list[str], list[list[str]]]
VOLUME_KEYS = ("by_kind", "by_channel", "by_severity", "by_category")
DEPARTMENT_COLUMNS = ("name", "received", "resolved", "on_time", "median_resolution")


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


def summary_rows(report: ServiceReport, lang: Language) -> list[tuple[str, str]]:
    """The headline figures of the period."""
    t: dict[str, Any] = report.totals
    label = words(lang, "report.summary")
    fr, res = t["first_response_seconds"], t["resolution_seconds"]
    csat = t["csat"]
    satisfaction = text(
        lang,
        "report.summary.satisfaction_value",
        ratio=percent(csat["ratio"]),
        answered=csat["answered"],
    )
    return [
        (label["received"], str(t["complaints"])),
        (label["resolved"], f"{t['resolved']} ({percent(t['resolution_rate'])})"),
        (label["reopened"], f"{t['reopened']} ({percent(t['reopen_rate'])})"),
        (label["first_response"], f"{duration(fr['p50'])} / {duration(fr['p90'])}"),
        (label["resolution"], f"{duration(res['p50'])} / {duration(res['p90'])}"),
        (label["on_time"], percent(t["on_time"]["ratio"])),
        (text(lang, "report.summary.satisfaction", target=percent(CSAT_TARGET)), satisfaction),
        (label["remedies"], str(t["remedies_granted"])),
        (label["compensation"], money(t["compensation"])),
    ]


def volume_tables(report: ServiceReport, lang: Language) -> list[tuple[str, Table]]:
    """Counts by kind, channel, severity and the most frequent categories."""
    titles, kinds = words(lang, "report.volume"), words(lang, "report.kind")
    out = []
    for key in VOLUME_KEYS:
        counts = report.volume[key]
        names = kinds if key == "by_kind" else {}
        rows = [[names.get(k, k.replace("_", " ")), str(n)] for k, n in counts.items()]
        out.append((titles[key], (["", text(lang, "report.count")], rows)))
    return out


def department_table(report: ServiceReport, lang: Language) -> Table:
    column = words(lang, "report.department")
    head = [column[c] for c in (*DEPARTMENT_COLUMNS, "satisfaction")]
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


def improvement_rows(report: ServiceReport, lang: Language) -> list[dict[str, str]]:
    """Improvement actions as published (who recorded them is left out)."""
    statuses = words(lang, "report.status")
    return [
        {
            "title": a.title,
            "description": a.description,
            "effective_on": a.effective_on.isoformat(),
            "status": statuses.get(a.status.value, a.status.value.replace("_", " ")),
            "scope": " · ".join(dict.fromkeys(x for x in (a.department, a.category) if x)),
        }
        for a in report.improvements
    ]


def title_of(report: ServiceReport, lang: Language) -> str:
    return text(lang, "report.title", period=report.period.label)


def subtitle_of(report: ServiceReport, lang: Language) -> str:
    p = report.period
    last = p.end - timedelta(days=1)
    generated = report.generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return text(
        lang,
        "report.subtitle",
        start=p.start.isoformat(),
        end=last.isoformat(),
        timezone=report.timezone,
        generated=generated,
    )


def privacy_note(lang: Language) -> str:
    return text(lang, "report.privacy_note")
