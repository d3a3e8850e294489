"""The service report: figures of the period, its charts in every format, the improvement
actions of the period, and nothing about individual people."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from closeloop_feedback.domain.insights.facts import ClockOutcome, ComplaintFacts, SurveyAnswer
from closeloop_feedback.domain.insights.improvements import ImprovementAction, ImprovementStatus
from closeloop_feedback.domain.insights.periods import parse_period
from closeloop_feedback.domain.insights.service_report import ServiceReport, build_service_report
from closeloop_feedback.domain.notices import Language
from closeloop_feedback.insights.charts import CJK_FONT_VARIABLE, ReportFontMissing
from closeloop_feedback.insights.report_format import ReportFormat
from closeloop_feedback.insights.service_report import render_service_report

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2027, 1, 2, tzinfo=UTC)


def _report() -> ServiceReport:
    start = datetime(2026, 10, 1, 9, tzinfo=TZ)
    complaints = [
        ComplaintFacts(
            f"c{i}",
            received_at=start + timedelta(days=7 * i),
            category="billing" if i % 2 else "售后服务",
            department="billing",
            agent="agent-secret-7",
            pseudonym="cust_0123456789abcdef",
            clocks=(
                ClockOutcome(
                    start + timedelta(days=7 * i, hours=1),
                    "first_response",
                    True,
                    i % 3 == 0,
                    900.0,
                ),
            ),
            surveys=(SurveyAnswer(start + timedelta(days=7 * i + 2), 5 - i % 3, True),),
        )
        for i in range(13)
    ]
    outside = ComplaintFacts("old", received_at=datetime(2026, 9, 30, 12, tzinfo=TZ))
    actions = [
        ImprovementAction(
            "a1",
            "Duplicate charges refunded automatically",
            "Gateway checks.",
            date(2026, 11, 3),
            ImprovementStatus.done,
            NOW,
            "supervisor-anna",
        ),
        ImprovementAction(
            "a0",
            "Last quarter's action",
            "Not in Q4.",
            date(2026, 9, 1),
            ImprovementStatus.done,
            NOW,
            "supervisor-anna",
        ),
    ]
    return build_service_report(
        parse_period("2026-Q4"),
        [*complaints, outside],
        actions,
        tz=TZ,
        timezone="Asia/Shanghai",
        generated_at=NOW,
    )


def test_the_report_counts_the_period_cohort_and_follows_the_weeks() -> None:
    report = _report()
    assert report.totals["complaints"] == 13
    assert len(report.series) == 14 and sum(p.received for p in report.series) == 13
    assert [a.action_id for a in report.improvements] == ["a1"]
    assert report.departments[0]["department"] == "billing"


def test_html_inlines_the_three_charts_and_names_no_person() -> None:
    html = render_service_report(_report(), ReportFormat.html).content.decode()
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 3
    assert "Duplicate charges refunded automatically" in html and "售后服务" in html
    for private in ("agent-secret-7", "supervisor-anna", "cust_0123456789abcdef", "Last quarter"):
        assert private not in html


def test_markdown_refers_to_chart_files_it_returns() -> None:
    rendered = render_service_report(_report(), ReportFormat.md, lambda n: f"r-{n}.png")
    text = rendered.content.decode()
    assert set(rendered.attachments) == {"r-volume.png", "r-on_time.png", "r-satisfaction.png"}
    assert all(data.startswith(b"\x89PNG") for data in rendered.attachments.values())
    assert "](r-volume.png)" in text and "| billing |" in text
    assert "agent-secret-7" not in text and "supervisor-anna" not in text


def test_pdf_has_pages_for_summary_charts_and_actions() -> None:
    data = render_service_report(_report(), ReportFormat.pdf).content
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 3
    assert b"agent-secret-7" not in data


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text as ``pdftotext`` (Debian poppler-utils) extracts it."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail("pdftotext is missing: bash tools/ops/install_tools.sh report-fonts")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [pdftotext, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode()


def test_the_chinese_pdf_carries_chinese_text(tmp_path: Path) -> None:
    data = render_service_report(_report(), ReportFormat.pdf, language=Language.zh_cn).content
    text = pdf_text(data, tmp_path)
    for chinese in ("服务报告 2026-Q4", "概要", "收到的反馈", "按部门", "改进措施", "售后服务"):
        assert chinese in text, chinese
    assert "Summary" not in text and "By department" not in text


def test_the_english_pdf_shows_chinese_names_in_chinese(tmp_path: Path) -> None:
    data = render_service_report(_report(), ReportFormat.pdf, language=Language.en).content
    text = pdf_text(data, tmp_path)
    assert "Service report 2026-Q4" in text and "By department" in text
    assert "售后服务" in text  # a category name, drawn with the CJK font


def test_the_html_and_markdown_reports_exist_in_both_languages() -> None:
    report = _report()
    zh = render_service_report(report, ReportFormat.html, language=Language.zh_cn)
    html = zh.content.decode()
    assert (
        '<html lang="zh-CN">' in html
        and "<h2>按部门</h2>" in html
        and "本报告仅包含汇总数据" in html
    )
    md = render_service_report(report, ReportFormat.md, language=Language.zh_cn).content.decode()
    assert md.startswith("# 服务报告 2026-Q4") and "## 改进措施" in md
    en = render_service_report(report, ReportFormat.md).content.decode()
    assert en.startswith("# Service report 2026-Q4") and "## What we improved" in en


@pytest.mark.parametrize("fmt", [ReportFormat.pdf, ReportFormat.html])
def test_without_the_cjk_font_the_report_refuses(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: ReportFormat
) -> None:
    nowhere = tmp_path / "no-such-font.ttc"
    monkeypatch.setenv(CJK_FONT_VARIABLE, str(nowhere))
    with pytest.raises(ReportFontMissing) as refused:
        render_service_report(_report(), fmt, language=Language.zh_cn)
    assert str(nowhere) in str(refused.value) and "fonts-noto-cjk" in str(refused.value)
