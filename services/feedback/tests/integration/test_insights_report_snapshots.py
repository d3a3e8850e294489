"""Report snapshots on the real stack: a report is computed once and served from its snapshot
(with an ``Age`` header) while it is fresh; once older than ``report_fresh_s`` it is still
served at once while a new one is computed in the background, and the new one then answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from closeloop_feedback.insights.read_model import COLLECTION
from closeloop_feedback.insights.sample_data import Case, case_events, sample_cases
from closeloop_feedback.insights.testing import (
    InsightsUnderTest,
    eventually,
    insights_settings_for,
    start_insights,
)

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2025, 6, 10)


# the sample's steps that the read model appends (test_insights_reports.py counts the same)
APPENDED = {
    "acknowledged",
    "resolved",
    "reopened",
    "closed",
    "clock_met",
    "clock_breached",
    "survey",
}


async def _projected(running: InsightsUnderTest, cases: list[Case]) -> None:
    """Every event of ``cases`` applied (their topics are read in no particular order)."""
    expected = {c.cid: sum(s.kind in APPENDED for s in c.steps) + 1 for c in cases}

    async def done() -> bool:
        docs = running.runtime.db[COLLECTION].find({"_id": {"$in": list(expected)}})
        seen = {d["_id"]: len(d.get("applied_events", [])) async for d in docs}
        return seen == expected

    await eventually(done, within_s=120, what=f"{len(cases)} complaints projected")


async def test_a_report_is_served_from_its_snapshot_then_refreshed_in_the_background(
    kafka_bootstrap: str, mongo_uri: str
) -> None:
    settings = insights_settings_for(
        kafka_bootstrap, mongo_uri, "insights-snapshots", report_fresh_s=1.0, report_stale_s=600
    )
    start = datetime.combine(DAY, time(), TZ)
    cases = [c for c in sample_cases(DAY, TZ) if start <= c.received_at < start + timedelta(days=1)]
    assert len(cases) >= 2
    async with start_insights(settings) as running:
        await running.producer.publish_many(case_events(cases[0], settings))
        await _projected(running, cases[:1])
        url = f"/v1/reports/daily?date={DAY}"
        first = await running.client.get(url, headers=running.auth())
        assert first.status_code == 200, first.text
        assert first.headers["age"] == "0"
        assert first.json()["volume"]["total"] == 1

        for case in cases[1:]:
            await running.producer.publish_many(case_events(case, settings))
        await _projected(running, cases)
        # fresh or stale, the answer is still the snapshot: the new complaints are not in it
        again = await running.client.get(url, headers=running.auth())
        assert again.json() == first.json()
        assert int(again.headers["age"]) >= 0

        async def refreshed() -> int | None:
            reply = await running.client.get(url, headers=running.auth())
            total: int = reply.json()["volume"]["total"]
            return total if total == len(cases) else None

        assert await eventually(refreshed, within_s=30, what="the refreshed report") == len(cases)
        # the CSV of the same day is the same snapshot, dated the same way
        csv_reply = await running.client.get(f"{url}&format=csv", headers=running.auth())
        assert csv_reply.status_code == 200 and "age" in csv_reply.headers
