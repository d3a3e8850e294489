"""Acceptance of what insights publishes: the service report (served by
``GET /v1/reports/service``, which ``closeloop report service`` writes) renders with its charts and
holds no personal data; improvement actions; the daily report's ``report.daily_ready``
event, from the admin's manual run and from the scheduled job, once per day."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from closeloop_feedback.insights.daily_job import daily_job, run_due_report
from closeloop_feedback.insights.daily_report import REPORTS
from closeloop_feedback.insights.read_model import COLLECTION
from closeloop_feedback.insights.sample_data import (
    CUSTOMERS,
    Case,
    case_events,
    customer_pseudonym,
    sample_cases,
)
from closeloop_feedback.insights.testing import (
    InsightsUnderTest,
    eventually,
    insights_settings_for,
    start_insights,
)
from closeloop_shared.auth import Role
from closeloop_shared.crypto import Sealer
from closeloop_shared.events.feedback import DailyReportReady
from closeloop_shared.events.intake import ComplaintReceived

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2025, 6, 10)
IMAGE_DATA = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")
IMPROVEMENT = {
    "title": "Duplicate charges refunded automatically",
    "description": "The payment gateway now rejects a second charge of the same bill.",
    "effective_on": "2025-06-05",
    "category": "billing",
    "department": "billing",
}


def personal_strings(cases: list[Case], pseudonyms: set[str]) -> list[str]:
    """Every name, phone (with and without +) and e-mail the sample sealed, and the
    customers' pseudonyms."""
    out = [*pseudonyms]
    for name, phone, email in CUSTOMERS:
        out += [name, phone, phone.lstrip("+"), email, email.split("@")[0]]
    assert {c.customer for c in cases} <= set(CUSTOMERS)
    return out


@pytest.fixture(scope="module")
async def seeded(
    kafka_bootstrap: str, mongo_uri: str
) -> AsyncIterator[tuple[InsightsUnderTest, list[Case]]]:
    settings = insights_settings_for(kafka_bootstrap, mongo_uri, "insights-publishing")
    cases = sample_cases(DAY, TZ, seed=7)
    async with start_insights(settings) as running:
        for case in cases:
            await running.producer.publish_many(case_events(case, settings))
        last = {c.cid: len(case_events(c, settings)) for c in cases}

        async def projected() -> bool:
            ids = list(last)
            n = await running.runtime.db[COLLECTION].count_documents(
                {"_id": {"$in": ids}, "received_at": {"$exists": True}}
            )
            docs = running.runtime.db[COLLECTION].find({"_id": {"$in": ids}})
            routed = [d async for d in docs if d.get("department")]
            return n == len(ids) and len(routed) == len(ids)

        await eventually(projected, within_s=120, what="sample projected")
        yield running, cases


async def _render_all(running: InsightsUnderTest, folder: Path) -> dict[str, Any]:
    """Fetch the report in each format from ``GET /v1/reports/service`` (what ``closeloop
    report service`` writes); return it (the PDF's text too, when poppler's ``pdftotext``
    is installed)."""
    for fmt in ("html", "md", "pdf"):
        reply = await running.client.get(
            f"/v1/reports/service?period=2025-Q2&format={fmt}", headers=running.auth()
        )
        assert reply.status_code == 200, reply.text
        (folder / f"report.{fmt}").write_bytes(reply.content)
    out: dict[str, Any] = {
        "html": (folder / "report.html").read_text(encoding="utf-8"),
        "md": (folder / "report.md").read_text(encoding="utf-8"),
        "pdf": (folder / "report.pdf").read_bytes(),
        "pdf_text": None,
    }
    if shutil.which("pdftotext"):
        pdf_text = await asyncio.to_thread(
            subprocess.run,
            ["pdftotext", str(folder / "report.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        )
        out["pdf_text"] = pdf_text.stdout
    return out


async def test_improvement_actions_are_recorded_by_supervisors_and_listed(
    seeded: tuple[InsightsUnderTest, list[Case]],
) -> None:
    running, _ = seeded
    client = running.client
    created = await client.post(
        "/v1/reports/improvements", json=IMPROVEMENT, headers=running.auth(sub="sup-li")
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"].startswith("imp-") and body["recorded_by"] == "sup-li"
    assert body["status"] == "done" and body["effective_on"] == "2025-06-05"
    agent = await client.post(
        "/v1/reports/improvements", json=IMPROVEMENT, headers=running.auth(Role.agent)
    )
    assert agent.status_code == 403
    empty = await client.post(
        "/v1/reports/improvements", json={**IMPROVEMENT, "title": " "}, headers=running.auth()
    )
    assert empty.status_code == 422 and empty.json()["fields"][0]["field"] == "title"
    listed = await client.get(
        "/v1/reports/improvements?from=2025-06-01&to=2025-07-01", headers=running.auth(Role.admin)
    )
    assert [a["id"] for a in listed.json()] == [body["id"]]
    outside = await client.get("/v1/reports/improvements?from=2025-07-01", headers=running.auth())
    assert outside.json() == []


async def test_service_report_renders_its_charts_and_holds_no_personal_data(
    seeded: tuple[InsightsUnderTest, list[Case]], tmp_path: Path
) -> None:
    running, cases = seeded
    await running.client.post("/v1/reports/improvements", json=IMPROVEMENT, headers=running.auth())
    written = await _render_all(running, tmp_path)
    html, markdown, pdf = written["html"], written["md"], written["pdf"]

    # It is the report of the sample: figures, charts, departments, the improvement.
    assert "Service report 2025-Q2" in html
    assert re.search(rf">Feedback received</div><div class=\"value\">{len(cases)}<", html)
    assert len(re.findall(r'src="data:image/png;base64,', html)) == 3
    assert "logistics" in html and IMPROVEMENT["title"] in html and IMPROVEMENT["title"] in markdown
    assert len(re.findall(r"\]\(data:image/png;base64,", markdown)) == 3
    assert pdf.startswith(b"%PDF-") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 3

    pseudonyms = {customer_pseudonym(running.settings, c) for c in cases}
    private = personal_strings(cases, pseudonyms)
    sealed = case_events(cases[0], running.settings)[0].data
    assert isinstance(sealed, ComplaintReceived)  # the contact went out sealed, as intake does
    opened = Sealer(running.settings.pii_key).open(sealed.customer_sealed, context="customer")
    assert opened["name"] == cases[0].customer[0] and opened["email"] in private
    # Search the text people read: the inlined chart images are base64 noise.
    texts = {kind: IMAGE_DATA.sub("", text) for kind, text in (("html", html), ("md", markdown))}
    if written["pdf_text"] is not None:  # poppler-utils installed: the PDF's text is readable
        texts["pdf"] = written["pdf_text"]
        assert "Feedback received" in texts["pdf"]
    for kind, text in texts.items():
        found = [s for s in private if s in text]
        assert found == [], f"personal data in the {kind} report"
    for agent in ("agent-1", "agent-2", "agent-3", "sup-li"):
        assert agent not in html and agent not in markdown

    # The read model it reads never held the sealed contact details in the first place.
    async for doc in running.runtime.db[COLLECTION].find({}):
        dumped = json.dumps(doc, default=str, ensure_ascii=False)
        assert "customer_sealed" not in doc
        assert [s for s in private if s in dumped and not s.startswith("cust_")] == []


async def test_service_report_endpoint_serves_pdf_and_refuses_bad_periods(
    seeded: tuple[InsightsUnderTest, list[Case]],
) -> None:
    running, _ = seeded
    pdf = await running.client.get(
        "/v1/reports/service?period=2025-Q2&format=pdf", headers=running.auth(Role.auditor)
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    bad = await running.client.get("/v1/reports/service?period=2025-Q9", headers=running.auth())
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "period"
    agent = await running.client.get(
        "/v1/reports/service?period=2025-Q2", headers=running.auth(Role.agent)
    )
    assert agent.status_code == 403


async def test_service_report_endpoint_speaks_chinese_and_refuses_without_its_font(
    seeded: tuple[InsightsUnderTest, list[Case]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    running, _ = seeded
    zh = await running.client.get(
        "/v1/reports/service?period=2025-Q2&lang=zh-CN", headers=running.auth(Role.auditor)
    )
    assert zh.status_code == 200, zh.text
    assert '<html lang="zh-CN">' in zh.text and "<h1>服务报告 2025-Q2</h1>" in zh.text
    bad = await running.client.get(
        "/v1/reports/service?period=2025-Q2&lang=fr", headers=running.auth()
    )
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "lang"
    monkeypatch.setenv("CLOSELOOP_REPORT_CJK_FONT", str(tmp_path / "no-such-font.ttc"))
    refused = await running.client.get(
        "/v1/reports/service?period=2025-Q2&format=pdf&lang=zh-CN", headers=running.auth()
    )
    assert refused.status_code == 503
    assert refused.json()["error"] == "report_font_missing"
    assert "fonts-noto-cjk" in refused.json()["message"]


def _ready(running: InsightsUnderTest, day: date) -> list[DailyReportReady]:
    return [
        e.data
        for e in running.watcher.events
        if isinstance(e.data, DailyReportReady)
        and e.data.date == day
        and e.subject == f"report-daily-{day.isoformat()}"
    ]


async def test_the_admins_manual_run_announces_the_report_where_it_can_be_fetched(
    seeded: tuple[InsightsUnderTest, list[Case]],
) -> None:
    running, cases = seeded
    reply = await running.client.post(
        f"/v1/reports/daily/run?date={DAY}", headers=running.auth(Role.admin)
    )
    assert reply.status_code == 200, reply.text
    today = sum(c.received_at.astimezone(TZ).date() == DAY for c in cases)
    assert reply.json() == {
        "date": DAY.isoformat(),
        "path": f"/v1/reports/daily?date={DAY}",
        "complaints": today,
    }

    async def announced() -> list[DailyReportReady]:
        return _ready(running, DAY)

    event = (await eventually(announced, what="report.daily_ready"))[0]
    assert event.complaints == today
    fetched = await running.client.get(event.path, headers=running.auth())
    assert fetched.status_code == 200 and fetched.json()["volume"]["total"] == today


async def test_the_scheduled_job_publishes_the_day_before_once(
    seeded: tuple[InsightsUnderTest, list[Case]],
) -> None:
    running, cases = seeded
    reported = date(2025, 6, 7)
    # 00:30 in Shanghai on the 8th: the 00:10 run of the 8th reports on the 7th.
    now = datetime(2025, 6, 8, 0, 30, tzinfo=TZ)
    running.settings.report_daily_enabled = True
    job = asyncio.create_task(daily_job(running.runtime, now=lambda: now))
    try:

        async def announced() -> list[DailyReportReady]:
            return _ready(running, reported)

        event = (await eventually(announced, what="the job's report.daily_ready"))[0]
    finally:
        job.cancel()
        await asyncio.gather(job, return_exceptions=True)
        running.settings.report_daily_enabled = False
    assert event.complaints == sum(c.received_at.astimezone(TZ).date() == reported for c in cases)
    assert await run_due_report(running.runtime, now) is False  # published already
    run = await running.runtime.db[REPORTS].find_one({"_id": reported.isoformat()})
    assert run is not None and run["runs"] == 1 and run["published_at"]
    assert run["report"]["volume"]["total"] == event.complaints
    assert len(_ready(running, reported)) == 1
