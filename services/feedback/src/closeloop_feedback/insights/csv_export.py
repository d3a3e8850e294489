"""CSV renderings of the reports (``?format=csv``), for spreadsheets."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

KPI_COLUMNS = [
    "group",
    "complaints",
    "first_response_p50_s",
    "first_response_p90_s",
    "resolution_p50_s",
    "resolution_p90_s",
    "on_time",
    "late",
    "on_time_ratio",
    "resolved",
    "resolution_rate",
    "reopened",
    "reopen_rate",
    "surveys_answered",
    "csat",
    "remedies_granted",
]


def _kpi_line(group: str, row: dict[str, Any]) -> dict[str, Any]:
    return {
        "group": group,
        "complaints": row["complaints"],
        "first_response_p50_s": row["first_response_seconds"]["p50"],
        "first_response_p90_s": row["first_response_seconds"]["p90"],
        "resolution_p50_s": row["resolution_seconds"]["p50"],
        "resolution_p90_s": row["resolution_seconds"]["p90"],
        "on_time": row["on_time"]["on_time"],
        "late": row["on_time"]["late"],
        "on_time_ratio": row["on_time"]["ratio"],
        "resolved": row["resolved"],
        "resolution_rate": row["resolution_rate"],
        "reopened": row["reopened"],
        "reopen_rate": row["reopen_rate"],
        "surveys_answered": row["csat"]["answered"],
        "csat": row["csat"]["ratio"],
        "remedies_granted": row["remedies_granted"],
    }


def _write(columns: list[str], lines: Iterator[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for line in lines:
        writer.writerow({k: "" if v is None else v for k, v in line.items()})
    return out.getvalue()


def kpi_csv(report: dict[str, Any]) -> str:
    """One line per group, then the totals (group ``(total)``)."""
    key = report["group_by"]

    def lines() -> Iterator[dict[str, Any]]:
        for row in report["rows"]:
            yield _kpi_line(row[key], row)
        yield _kpi_line("(total)", report["totals"])

    return _write(KPI_COLUMNS, lines())


def _daily_lines(report: dict[str, Any]) -> Iterator[dict[str, Any]]:
    volume = report["volume"]
    yield {"section": "volume", "name": "total", "value": volume["total"]}
    for part in ("by_channel", "by_kind", "by_category", "by_severity"):
        for name, count in volume[part].items():
            yield {"section": f"volume.{part}", "name": name, "value": count}
    for row in report["top_problems"]["keywords"]:
        yield {"section": "keywords", "name": row["term"], "value": row["complaints"]}
    for n, cluster in enumerate(report["top_problems"]["clusters"], 1):
        name = f"{n}: {' '.join(cluster['terms'])}"
        yield {"section": "clusters", "name": name, "value": cluster["size"]}
    repeat = report["repeat_complainants"]
    yield {
        "section": "repeat_complainants",
        "name": "complainants",
        "value": repeat["complainants"],
    }
    yield {"section": "repeat_complainants", "name": "complaints", "value": repeat["complaints"]}
    for part, counts in report["status"].items():
        for name, count in counts.items():
            yield {"section": f"status.{part}", "name": name, "value": count}
    yield {"section": "sla", "name": "compliance", "value": report["sla"]["compliance"]}
    for clock, row in report["sla"]["by_clock"].items():
        for name, value in row.items():
            yield {"section": f"sla.{clock}", "name": name, "value": value}
    for breach in report["sla"]["breaches"]:
        name = f"{breach['complaint_id']} {breach['clock']}"
        yield {"section": "sla.breaches", "name": name, "value": breach["detected_at"]}
    for name, value in report["satisfaction"].items():
        yield {"section": "satisfaction", "name": name, "value": value}
    for metric, row in report["comparison"]["metrics"].items():
        yield {"section": "comparison", "name": metric, "value": row["today"], **row}


def daily_csv(report: dict[str, Any]) -> str:
    """The daily report in long form: ``section,name,value`` (comparison lines also carry
    the 7-day average, delta and change)."""
    columns = ["section", "name", "value", "average_7d", "delta", "change"]
    return _write(columns, _daily_lines(report))
