"""The service report as HTML (one self-contained page, charts inlined) or Markdown
(charts as PNG files next to it, or inlined when no file names are given)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, select_autoescape

from closeloop_feedback.domain.insights.service_report import ServiceReport
from closeloop_feedback.insights.charts import CHART_NAMES, png, report_charts
from closeloop_feedback.insights.report_content import (
    PRIVACY_NOTE,
    Table,
    department_table,
    improvement_rows,
    subtitle_of,
    summary_rows,
    title_of,
    volume_tables,
)

_ENV = Environment(
    loader=PackageLoader("closeloop_feedback.insights", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)
CHART_ALT = {
    "volume": "Feedback received over the period",
    "on_time": "Share of time limits met over the period",
    "satisfaction": "Customer satisfaction over the period, with the 90% target",
}


@dataclass
class Rendered:
    """A rendered report: the document, and files it refers to (Markdown charts)."""

    content: bytes
    media_type: str
    attachments: dict[str, bytes] = field(default_factory=dict)


def _data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def chart_images(report: ServiceReport) -> dict[str, bytes]:
    """The charts as PNG bytes by name."""
    return {name: png(fig) for name, fig in report_charts(report).items()}


def render_html(report: ServiceReport) -> Rendered:
    images = chart_images(report)
    html = _ENV.get_template("service_report.html.j2").render(
        title=title_of(report),
        subtitle=subtitle_of(report),
        summary=summary_rows(report),
        charts=[(n, _data_uri(images[n]), CHART_ALT[n]) for n in CHART_NAMES],
        volume=volume_tables(report),
        departments=department_table(report),
        improvements=improvement_rows(report),
        privacy_note=PRIVACY_NOTE,
    )
    return Rendered(html.encode(), "text/html; charset=utf-8")


def _cell(text: str) -> str:
    """Table-safe and inert: no column breaks, no line breaks, no raw HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> list[str]:
    head, rows = table
    lines = ["| " + " | ".join(_cell(h) or " " for h in head) + " |"]
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def render_markdown(
    report: ServiceReport, chart_file: Callable[[str], str] | None = None
) -> Rendered:
    """Markdown; ``chart_file(name)`` names each chart's PNG (returned as attachments),
    otherwise the charts are inlined as data URIs."""
    images = chart_images(report)
    lines = [f"# {title_of(report)}", "", f"_{subtitle_of(report)}_", "", "## Summary", ""]
    lines += _md_table((["", ""], [[k, v] for k, v in summary_rows(report)]))
    lines += ["", "## Over the period", ""]
    attachments = {}
    for name in CHART_NAMES:
        if chart_file is None:
            ref = _data_uri(images[name])
        else:
            ref = chart_file(name)
            attachments[ref] = images[name]
        lines += [f"![{CHART_ALT[name]}]({ref})", ""]
    lines += ["## What customers told us about", ""]
    for title, table in volume_tables(report):
        lines += [f"### {title}", "", *(_md_table(table) if table[1] else ["_none_"]), ""]
    lines += ["## By department", ""]
    departments = department_table(report)
    lines += _md_table(departments) if departments[1] else ["_No feedback in this period._"]
    lines += ["", "## What we improved", ""]
    for a in improvement_rows(report):
        scope = f" · {a['scope']}" if a["scope"] else ""
        lines += [f"- **{_cell(a['title'])}** ({a['effective_on']} · {a['status']}{scope})  "]
        lines += [f"  {_cell(a['description'])}"]
    if not report.improvements:
        lines += ["_No improvement action was recorded for this period._"]
    lines += ["", "---", "", f"_{PRIVACY_NOTE}_", ""]
    return Rendered("\n".join(lines).encode(), "text/markdown; charset=utf-8", attachments)
