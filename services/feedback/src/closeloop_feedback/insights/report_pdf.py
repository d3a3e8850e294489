"""The service report as PDF, drawn with matplotlib's ``PdfPages`` (no other PDF library):
A4 pages laid out top to bottom — summary and volumes, the charts, departments and the
improvement actions."""

from __future__ import annotations

import io
import textwrap
from datetime import UTC

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from closeloop_feedback.domain.insights.service_report import ServiceReport
from closeloop_feedback.domain.localisation import text, words
from closeloop_feedback.domain.notices import Language
from closeloop_feedback.insights.charts import ACCENT, CHART_NAMES, DRAWERS, report_style
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

A4 = (8.27, 11.69)
LEFT, WIDTH, TOP, BOTTOM = 0.08, 0.84, 0.94, 0.06
ROW = 0.021  # table row height, figure fraction


class _Pages:
    """A cursor over A4 pages: blocks are placed below each other, a new page starts when
    the next block does not fit."""

    def __init__(self, pdf: PdfPages, report: ServiceReport, lang: Language) -> None:
        self._pdf, self._report, self._lang = pdf, report, lang
        self._fig: Figure | None = None
        self._number = 0
        self.y = TOP

    @property
    def fig(self) -> Figure:
        if self._fig is None:
            self._fig = Figure(figsize=A4)
            self._number += 1
            self.y = TOP
        return self._fig

    def need(self, height: float) -> None:
        if self._fig is not None and self.y - height < BOTTOM:
            self.finish()

    def finish(self) -> None:
        if self._fig is not None:
            page = text(self._lang, "report.page", number=self._number)
            footer = f"{title_of(self._report, self._lang)} · {page}"
            self._fig.text(LEFT, 0.03, footer, fontsize=7.5, color="#616e7c")
            self._pdf.savefig(self._fig)  # type: ignore[no-untyped-call]
            self._fig = None

    def text(
        self,
        text: str,
        *,
        size: float = 9,
        bold: bool = False,
        color: str = "#1f2933",
        gap: float = 0.006,
        wrap: int = 100,
    ) -> None:
        lines = textwrap.wrap(text, wrap) or [""]
        height = len(lines) * size * 1.45 / 72 / A4[1] + gap
        self.need(height)
        self.fig.text(
            LEFT,
            self.y,
            "\n".join(lines),
            fontsize=size,
            va="top",
            color=color,
            fontweight="bold" if bold else "normal",
            linespacing=1.45,
        )
        self.y -= height

    def heading(self, text: str) -> None:
        self.need(0.08)
        self.y -= 0.012
        self.text(text, size=13, bold=True, color=ACCENT, gap=0.01)

    def table(
        self, table: Table, widths: list[float] | None = None, *, header: bool = True
    ) -> None:
        head, rows = table
        if not rows:
            self.text(text(self._lang, "report.none"), color="#616e7c")
            return
        for start in range(0, len(rows), 30):
            chunk = rows[start : start + 30]
            height = (len(chunk) + header) * ROW
            self.need(height)
            ax = self.fig.add_axes((LEFT, self.y - height, WIDTH, height))
            ax.axis("off")
            grid = ax.table(
                cellText=chunk,
                colLabels=head if header else None,
                colWidths=widths,
                cellLoc="left",
                bbox=Bbox.from_bounds(0, 0, 1, 1),
            )
            grid.auto_set_font_size(False)
            grid.set_fontsize(8.5)
            for (r, _), cell in grid.get_celld().items():
                cell.set_edgecolor("#e4e7eb")
                if header and r == 0:
                    cell.set_text_props(fontweight="bold", color="#616e7c")
            self.y -= height + 0.012

    def charts(self) -> None:
        self.finish()
        fig = self.fig
        axes = fig.subplots(
            len(CHART_NAMES), 1, gridspec_kw={"hspace": 0.75, "top": 0.9, "bottom": 0.13}
        )
        heading = text(self._lang, "report.heading.period")
        fig.text(LEFT, TOP, heading, fontsize=13, fontweight="bold", color=ACCENT, va="top")
        for ax, name in zip(axes, CHART_NAMES, strict=True):
            DRAWERS[name](ax, self._report, self._lang)
        self.finish()


def render_pdf(report: ServiceReport, lang: Language = Language.en) -> bytes:
    """The report as PDF bytes in ``lang`` (metadata carries no personal data either).
    Raises ReportFontMissing when the CJK font is not installed."""
    buffer = io.BytesIO()
    created = report.generated_at.astimezone(UTC)
    title, heading = title_of(report, lang), words(lang, "report.heading")
    with (
        report_style(),
        PdfPages(buffer, metadata={"Title": title, "CreationDate": created}) as pdf,
    ):
        pages = _Pages(pdf, report, lang)
        pages.text(title, size=20, bold=True, gap=0.012)
        pages.text(subtitle_of(report, lang), color="#616e7c", gap=0.02)
        pages.heading(heading["summary"])
        summary = [list(r) for r in summary_rows(report, lang)]
        pages.table(([], summary), [0.62, 0.38], header=False)
        pages.heading(heading["volume"])
        for volume_title, table in volume_tables(report, lang):
            pages.text(volume_title, bold=True)
            pages.table(table, [0.75, 0.25], header=False)
        pages.charts()
        pages.heading(heading["departments"])
        pages.table(department_table(report, lang), [0.26, 0.12, 0.12, 0.12, 0.2, 0.18])
        pages.heading(heading["improvements"])
        for action in improvement_rows(report, lang):
            scope = f" · {action['scope']}" if action["scope"] else ""
            pages.text(action["title"], bold=True, gap=0.002)
            pages.text(action["description"], gap=0.002)
            pages.text(
                f"{action['effective_on']} · {action['status']}{scope}",
                size=8,
                color="#616e7c",
                gap=0.012,
            )
        if not report.improvements:
            pages.text(text(lang, "report.no_improvements"), color="#616e7c")
        pages.text(privacy_note(lang), size=8, color="#616e7c")
        pages.finish()
    return buffer.getvalue()
