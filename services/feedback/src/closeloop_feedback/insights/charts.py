"""The service report's charts, drawn with matplotlib's Agg backend (no display): volume,
on-time ratio and satisfaction over the period's weeks or months. Figures are built
without pyplot, so rendering keeps no global state and may run in a worker thread."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from closeloop_feedback.domain.csat import CSAT_TARGET
from closeloop_feedback.domain.insights.service_report import ServiceReport
from closeloop_feedback.domain.localisation import text
from closeloop_feedback.domain.notices import Language

# The report is in Chinese or has Chinese department and category names: without a CJK font
# matplotlib would draw empty boxes, so the font is required (Debian's fonts-noto-cjk, which
# `make run` and the feedback image install) and its path can be overridden.
CJK_FONT_VARIABLE = "CLOSELOOP_REPORT_CJK_FONT"
DEFAULT_CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
ACCENT, MUTED = "#1f5f8b", "#9aa5b1"
CHART_NAMES = ("volume", "on_time", "satisfaction")


class ReportFontMissing(RuntimeError):
    """The CJK font the report needs is not installed where it is looked for."""


def cjk_font_path() -> str:
    """Where the CJK font is read from (``CLOSELOOP_REPORT_CJK_FONT``, else Debian's path)."""
    return os.environ.get(CJK_FONT_VARIABLE) or DEFAULT_CJK_FONT


def cjk_font_family() -> str:
    """Registers the CJK font with matplotlib (once per path) and returns its family name;
    raises ReportFontMissing rather than letting Chinese print as boxes."""
    path = cjk_font_path()
    if not os.path.isfile(path):
        raise ReportFontMissing(
            f"the service report needs a CJK font and none is at {path}: install Debian's "
            f"fonts-noto-cjk (make report-fonts) or point {CJK_FONT_VARIABLE} at a CJK font file"
        )
    registered = {f.fname: f.name for f in font_manager.fontManager.ttflist}
    if path not in registered:
        font_manager.fontManager.addfont(path)
        registered = {f.fname: f.name for f in font_manager.fontManager.ttflist}
    return registered[path]


def font_families() -> list[str]:
    """DejaVu Sans for Latin text, then the CJK font for the rest."""
    return ["DejaVu Sans", cjk_font_family()]


@contextmanager
def report_style() -> Iterator[None]:
    """Fonts and sizes of every report figure."""
    with rc_context(
        {
            "font.family": font_families(),
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
            "pdf.fonttype": 3,
        }
    ):
        yield


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _style(ax: Axes, labels: list[str], title: str) -> None:
    ax.set_title(title, loc="left")
    step = max(1, math.ceil(len(labels) / 14))
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
    ax.set_xlim(-0.6, len(labels) - 0.4)  # every bucket, even those without a value
    ax.grid(axis="y", color="#e4e7eb", linewidth=0.8)
    ax.set_axisbelow(True)


def draw_volume(ax: Axes, report: ServiceReport, lang: Language) -> None:
    labels = [p.label for p in report.series]
    bucket = text(lang, f"report.bucket.{report.period.bucket.value}")
    _style(ax, labels, text(lang, "report.chart.volume", bucket=bucket))
    ax.bar(range(len(labels)), [p.received for p in report.series], color=ACCENT)
    ax.set_ylabel(text(lang, "report.chart.volume_axis"))


def draw_on_time(ax: Axes, report: ServiceReport, lang: Language) -> None:
    labels = [p.label for p in report.series]
    _style(ax, labels, text(lang, "report.chart.on_time"))
    ratios = [_nan(p.on_time_ratio) for p in report.series]
    ax.plot(range(len(labels)), ratios, marker="o", color=ACCENT)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))


def draw_satisfaction(ax: Axes, report: ServiceReport, lang: Language) -> None:
    labels = [p.label for p in report.series]
    _style(ax, labels, text(lang, "report.chart.satisfaction"))
    ratios = [_nan(p.csat) for p in report.series]
    ax.plot(range(len(labels)), ratios, marker="o", color=ACCENT, label="CSAT")
    ax.axhline(
        CSAT_TARGET,
        color=MUTED,
        linestyle="--",
        linewidth=1,
        label=text(lang, "report.chart.target", target=f"{CSAT_TARGET:.0%}"),
    )
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(loc="lower right", frameon=False)


DRAWERS: dict[str, Callable[[Axes, ServiceReport, Language], None]] = {
    "volume": draw_volume,
    "on_time": draw_on_time,
    "satisfaction": draw_satisfaction,
}


def report_charts(report: ServiceReport, lang: Language) -> dict[str, Figure]:
    """The three charts by name (``volume``, ``on_time``, ``satisfaction``)."""
    figures = {}
    with report_style():
        for name, draw in DRAWERS.items():
            fig = Figure(figsize=(7.5, 2.8), layout="constrained")
            draw(fig.subplots(), report, lang)
            figures[name] = fig
    return figures


def png(fig: Figure, dpi: int = 144) -> bytes:
    """A figure as PNG bytes."""
    buffer = io.BytesIO()
    with report_style():
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
