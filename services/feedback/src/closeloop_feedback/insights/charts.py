"""The service report's charts, drawn with matplotlib's Agg backend (no display): volume,
on-time ratio and satisfaction over the period's weeks or months. Figures are built
without pyplot, so rendering keeps no global state and may run in a worker thread."""

from __future__ import annotations

import io
import math
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

# Department and category names may be Chinese: fall back to a CJK font when one is installed.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Micro Hei", "Source Han Sans SC")
ACCENT, MUTED = "#1f5f8b", "#9aa5b1"
CHART_NAMES = ("volume", "on_time", "satisfaction")


def font_families() -> list[str]:
    """DejaVu Sans, then the CJK fonts this machine has."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return ["DejaVu Sans", *(f for f in CJK_FONTS if f in installed)]


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


def draw_volume(ax: Axes, report: ServiceReport) -> None:
    labels = [p.label for p in report.series]
    _style(ax, labels, f"Feedback received per {report.period.bucket.value}")
    ax.bar(range(len(labels)), [p.received for p in report.series], color=ACCENT)
    ax.set_ylabel("received")


def draw_on_time(ax: Axes, report: ServiceReport) -> None:
    labels = [p.label for p in report.series]
    _style(ax, labels, "Time limits met (first response, initial solution, resolution)")
    ratios = [_nan(p.on_time_ratio) for p in report.series]
    ax.plot(range(len(labels)), ratios, marker="o", color=ACCENT)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))


def draw_satisfaction(ax: Axes, report: ServiceReport) -> None:
    labels = [p.label for p in report.series]
    _style(ax, labels, "Satisfaction with the resolution (CSAT)")
    ratios = [_nan(p.csat) for p in report.series]
    ax.plot(range(len(labels)), ratios, marker="o", color=ACCENT, label="CSAT")
    ax.axhline(CSAT_TARGET, color=MUTED, linestyle="--", linewidth=1, label="target 90%")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.legend(loc="lower right", frameon=False)


DRAWERS: dict[str, Callable[[Axes, ServiceReport], None]] = {
    "volume": draw_volume,
    "on_time": draw_on_time,
    "satisfaction": draw_satisfaction,
}


def report_charts(report: ServiceReport) -> dict[str, Figure]:
    """The three charts by name (``volume``, ``on_time``, ``satisfaction``)."""
    figures = {}
    with report_style():
        for name, draw in DRAWERS.items():
            fig = Figure(figsize=(7.5, 2.8), layout="constrained")
            draw(fig.subplots(), report)
            figures[name] = fig
    return figures


def png(fig: Figure, dpi: int = 144) -> bytes:
    """A figure as PNG bytes."""
    buffer = io.BytesIO()
    with report_style():
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
