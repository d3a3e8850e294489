"""The service report as HTML (one self-contained page, charts inlined) or Markdown
(charts as PNG files next to it, or inlined when no file names are given)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

from jinja2 import Environment, PackageLoader, select_autoescape

from closeloop_feedback.domain.insights.service_report import ServiceReport
from closeloop_feedback.domain.localisation import text, words
from closeloop_feedback.domain.notices import Language
from closeloop_feedback.insights.charts import CHART_NAMES, png, report_charts
from closeloop_feedback.insights.report_content import (
    Table,
    department_table,
    improvement_rows,
    privacy_note,
    subtitle_of,
    summary_rows,
    title_of,
    volume_tables,
)

_ENV = Environment(
    loader=PackageLoader("closeloop_feedback.insights", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)


@dataclass
class Rendered:
    """A rendered report: the document, and files it refers to (Markdown charts)."""

    content: bytes
    media_type: str
    attachments: dict[str, bytes] = field(default_factory=dict)


def _data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def chart_images(report: ServiceReport, lang: Language) -> dict[str, bytes]:
    """The charts as PNG bytes by name."""
    return {name: png(fig) for name, fig in report_charts(report, lang).items()}


def render_html(report: ServiceReport, lang: Language = Language.en) -> Rendered:
    images = chart_images(report, lang)
    alt = words(lang, "report.chart.alt")
    html = _ENV.get_template("service_report.html.j2").render(
        lang=lang.value,
        heading=words(lang, "report.heading"),
        none=text(lang, "report.none"),
        no_departments=text(lang, "report.no_departments"),
        no_improvements=text(lang, "report.no_improvements"),
        title=title_of(report, lang),
        subtitle=subtitle_of(report, lang),
        summary=summary_rows(report, lang),
        charts=[(n, _data_uri(images[n]), alt[n]) for n in CHART_NAMES],
        volume=volume_tables(report, lang),
        departments=department_table(report, lang),
        improvements=improvement_rows(report, lang),
        privacy_note=privacy_note(lang),
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
    report: ServiceReport,
    chart_file: Callable[[str], str] | None = None,
    lang: Language = Language.en,
) -> Rendered:
    """Markdown; ``chart_file(name)`` names each chart's PNG (returned as attachments),
    otherwise the charts are inlined as data URIs."""
    images = chart_images(report, lang)
    heading, alt = words(lang, "report.heading"), words(lang, "report.chart.alt")
    lines = [f"# {title_of(report, lang)}", "", f"_{subtitle_of(report, lang)}_", ""]
    lines += [f"## {heading['summary']}", ""]
    lines += _md_table((["", ""], [[k, v] for k, v in summary_rows(report, lang)]))
    lines += ["", f"## {heading['period']}", ""]
    attachments = {}
    for name in CHART_NAMES:
        if chart_file is None:
            ref = _data_uri(images[name])
        else:
            ref = chart_file(name)
            attachments[ref] = images[name]
        lines += [f"![{alt[name]}]({ref})", ""]
    lines += [f"## {heading['volume']}", ""]
    none = f"_{text(lang, 'report.none')}_"
    for title, table in volume_tables(report, lang):
        lines += [f"### {title}", "", *(_md_table(table) if table[1] else [none]), ""]
    lines += [f"## {heading['departments']}", ""]
    departments = department_table(report, lang)
    no_departments = f"_{text(lang, 'report.no_departments')}_"
    lines += _md_table(departments) if departments[1] else [no_departments]
    lines += ["", f"## {heading['improvements']}", ""]
    for a in improvement_rows(report, lang):
        scope = f" · {a['scope']}" if a["scope"] else ""
        lines += [f"- **{_cell(a['title'])}** ({a['effective_on']} · {a['status']}{scope})  "]
        lines += [f"  {_cell(a['description'])}"]
    if not report.improvements:
        lines += [f"_{text(lang, 'report.no_improvements')}_"]
    lines += ["", "---", "", f"_{privacy_note(lang)}_", ""]
    return Rendered("\n".join(lines).encode(), "text/markdown; charset=utf-8", attachments)
