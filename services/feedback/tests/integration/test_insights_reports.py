"""Acceptance of the insights reports: a known sample of complaints, SLA and survey events
goes through real Kafka into the projector's consumer loop and a real SecantusDB; the
daily report and the KPIs equal the figures this test computes on its own from the sample.
Every event but the last of its stream is published twice (a redelivery)."""

from __future__ import annotations

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from closeloop_feedback.insights.read_model import COLLECTION
from closeloop_feedback.insights.sample_data import (
    STATUS_OF,
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
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.registry import EVENT_TYPES

pytestmark = pytest.mark.integration
TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2025, 6, 10)
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=TZ)
APPENDED = {
    "acknowledged",
    "resolved",
    "reopened",
    "closed",
    "clock_met",
    "clock_breached",
    "survey",
}


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), TZ)


def within(at: datetime, first: date, last: date) -> bool:
    return start_of(first) <= at < start_of(last + timedelta(days=1))


def doubled(events: list[CloudEvent]) -> list[CloudEvent]:
    """Each event twice in a row, except the last of its topic (so the duplicate is
    processed before something the test waits for)."""
    last_of_topic = {EVENT_TYPES[e.type].topic: e.id for e in events}
    out = []
    for event in events:
        out.append(event)
        if last_of_topic[EVENT_TYPES[event.type].topic] != event.id:
            out.append(event)
    return out


@pytest.fixture(scope="module")
async def seeded(
    kafka_bootstrap: str, mongo_uri: str
) -> AsyncIterator[tuple[InsightsUnderTest, list[Case]]]:
    settings = insights_settings_for(kafka_bootstrap, mongo_uri, "insights-reports")
    cases = sample_cases(DAY, TZ)
    async with start_insights(settings) as running:
        for case in cases:
            await running.producer.publish_many(doubled(case_events(case, settings)))
        expected = {
            c.cid: (sum(s.kind in APPENDED for s in c.steps) + 1, c.department, c.agent)
            for c in cases
        }

        async def projected() -> bool:
            docs = running.runtime.db[COLLECTION].find({"_id": {"$in": list(expected)}})
            seen = {
                d["_id"]: (len(d.get("applied_events", [])), d.get("department"), d.get("agent"))
                async for d in docs
            }
            return seen == expected

        await eventually(projected, within_s=120, what="every sample event projected")
        yield running, cases


# ---- the figures, computed from the sample alone ------------------------------------------


def status_at(case: Case, instant: datetime) -> str:
    changes = [s for s in case.steps if s.kind in STATUS_OF and s.at < instant]
    return STATUS_OF[changes[-1].kind] if changes else "received"


def group_of(status: str) -> str:
    return {"resolved": "resolved", "closed": "closed"}.get(status, "open")


def q(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    return round(statistics.median(values) if fraction == 0.5 else cuts[8], 1)


def expected_kpis(cohort: Iterable[Case]) -> dict[str, Any]:
    cohort = list(cohort)
    fr = [
        s.data["seconds"]
        for c in cohort
        for s in c.steps
        if s.kind == "clock_met" and s.data["clock"] == "first_response"
    ]
    res = [
        sum(
            s.data["seconds"]
            for s in c.steps
            if s.kind == "clock_met" and s.data["clock"] == "resolution"
        )
        for c in cohort
        if any(s.kind == "clock_met" and s.data["clock"] == "resolution" for s in c.steps)
    ]
    on_time = sum(s.kind == "clock_met" and not s.data["late"] for c in cohort for s in c.steps)
    late = sum(s.kind == "clock_breached" for c in cohort for s in c.steps)
    done = [c for c in cohort if group_of(status_at(c, FAR_FUTURE)) != "open"]
    resolved_ever = [c for c in cohort if any(s.kind == "resolved" for s in c.steps)]
    reopened = [c for c in cohort if any(s.kind == "reopened" for s in c.steps)]
    answers = [s.data for c in cohort for s in c.steps if s.kind == "survey"]
    satisfied = sum(a["score"] >= 4 and a["solved"] for a in answers)
    remedies = [s.data for c in cohort for s in c.steps if s.kind == "resolved"]
    return {
        "complaints": len(cohort),
        "first_response_seconds": {"count": len(fr), "p50": q(fr, 0.5), "p90": q(fr, 0.9)},
        "resolution_seconds": {"count": len(res), "p50": q(res, 0.5), "p90": q(res, 0.9)},
        "on_time": (
            on_time,
            late,
            round(on_time / (on_time + late), 4) if on_time + late else None,
        ),
        "resolution_rate": round(len(done) / len(cohort), 4),
        "reopen_rate": round(len(reopened) / len(resolved_ever), 4) if resolved_ever else None,
        "csat": round(satisfied / len(answers), 4) if answers else None,
        "remedies_granted": sum(bool(r["remedy"]) or bool(r["amount"]) for r in remedies),
        "compensation": round(sum(r["amount"] or 0 for r in remedies), 2),
    }


def actual_kpis(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "complaints": row["complaints"],
        "first_response_seconds": row["first_response_seconds"],
        "resolution_seconds": row["resolution_seconds"],
        "on_time": (row["on_time"]["on_time"], row["on_time"]["late"], row["on_time"]["ratio"]),
        "resolution_rate": row["resolution_rate"],
        "reopen_rate": row["reopen_rate"],
        "csat": row["csat"]["ratio"],
        "remedies_granted": row["remedies_granted"],
        "compensation": row["compensation"].get("CNY", 0),
    }


# ---- the tests -------------------------------------------------------------------------------


async def test_daily_report_equals_the_figures_computed_from_the_sample(
    seeded: tuple[InsightsUnderTest, list[Case]],
) -> None:
    running, cases = seeded
    reply = await running.client.get(f"/v1/reports/daily?date={DAY}", headers=running.auth())
    assert reply.status_code == 200, reply.text
    report = reply.json()
    end = start_of(DAY + timedelta(days=1))
    today = [c for c in cases if within(c.received_at, DAY, DAY)]
    assert len(today) == 8

    volume = report["volume"]
    assert volume["total"] == len(today)
    assert volume["by_channel"] == dict(Counter(c.channel for c in today))
    assert volume["by_kind"] == dict(Counter(c.kind for c in today))
    assert volume["by_category"] == dict(Counter(c.category for c in today))
    assert volume["by_severity"] == dict(Counter(c.severity for c in today))

    per_customer = Counter(
        c.customer for c in cases if within(c.received_at, DAY - timedelta(days=29), DAY)
    )
    repeaters = {c.customer for c in today if per_customer[c.customer] >= 2}
    repeat = report["repeat_complainants"]
    assert repeat["complainants"] == len(repeaters)
    assert repeat["complaints"] == sum(c.customer in repeaters for c in today)
    pseudonyms = {customer_pseudonym(running.settings, c) for c in today if c.customer in repeaters}
    assert {r["pseudonym"] for r in repeat["top"]} == pseudonyms

    status = report["status"]
    assert status["received_today"] == {
        g: sum(group_of(status_at(c, end)) == g for c in today)
        for g in ("open", "resolved", "closed")
    }
    before_end = [c for c in cases if c.received_at < end]
    assert status["backlog_at_end"] == {
        g: sum(group_of(status_at(c, end)) == g for c in before_end)
        for g in ("open", "resolved", "closed")
    }
    steps_today = [(c, s) for c in cases for s in c.steps if within(s.at, DAY, DAY)]
    for change in ("acknowledged", "resolved", "reopened", "closed"):
        assert status["changes"][change] == sum(s.kind == change for _, s in steps_today)

    sla = report["sla"]
    by_clock: dict[str, Counter[str]] = defaultdict(Counter)
    for _, s in steps_today:
        if s.kind == "clock_met":
            by_clock[s.data["clock"]]["late_met" if s.data["late"] else "on_time"] += 1
        elif s.kind == "clock_breached":
            by_clock[s.data["clock"]]["breached"] += 1
    for clock, counts in by_clock.items():
        row = sla["by_clock"][clock]
        assert (row["on_time"], row["late_met"], row["breached"]) == (
            counts["on_time"],
            counts["late_met"],
            counts["breached"],
        )
    assert set(sla["by_clock"]) == set(by_clock)
    breaches = sorted(
        (s.at, c.cid, s.data["clock"]) for c, s in steps_today if s.kind == "clock_breached"
    )
    assert [(b["complaint_id"], b["clock"]) for b in sla["breaches"]] == [
        (cid, k) for _, cid, k in breaches
    ]

    answers = [s.data for _, s in steps_today if s.kind == "survey"]
    satisfaction = report["satisfaction"]
    assert satisfaction["answered"] == len(answers)
    assert satisfaction["satisfied"] == sum(a["score"] >= 4 and a["solved"] for a in answers)
    assert satisfaction["dissatisfied"] == sum(a["score"] <= 2 or not a["solved"] for a in answers)

    week = [
        sum(within(c.received_at, DAY - timedelta(days=n), DAY - timedelta(days=n)) for c in cases)
        for n in range(1, 8)
    ]
    received = report["comparison"]["metrics"]["received"]
    assert received["today"] == len(today)
    assert received["average_7d"] == pytest.approx(sum(week) / 7, abs=1e-4)

    category_of = {c.cid: c.category for c in cases}
    clusters = report["top_problems"]["clusters"]
    assert clusters, "same-problem complaints of the day form clusters"
    for cluster in clusters:  # the sample's texts of different categories share no words
        assert len({category_of[cid] for cid in cluster["complaint_ids"]}) == 1


@pytest.mark.parametrize("group_by", ["department", "agent"])
async def test_kpis_equal_the_figures_computed_from_the_sample(
    seeded: tuple[InsightsUnderTest, list[Case]], group_by: str
) -> None:
    running, cases = seeded
    first = DAY - timedelta(days=7)
    reply = await running.client.get(
        f"/v1/reports/kpi?from={first}&to={DAY}&group_by={group_by}", headers=running.auth()
    )
    assert reply.status_code == 200, reply.text
    report = reply.json()
    cohort = [c for c in cases if within(c.received_at, first, DAY)]
    assert actual_kpis(report["totals"]) == expected_kpis(cohort)
    keys = {
        (c.department if group_by == "department" else c.agent) or "(unassigned)" for c in cohort
    }
    assert [r[group_by] for r in report["rows"]] == sorted(keys)
    for row in report["rows"]:
        members = [
            c
            for c in cohort
            if ((c.department if group_by == "department" else c.agent) or "(unassigned)")
            == row[group_by]
        ]
        assert actual_kpis(row) == expected_kpis(members), row[group_by]


async def test_csv_formats_carry_the_same_figures(
    seeded: tuple[InsightsUnderTest, list[Case]],
) -> None:
    running, cases = seeded
    daily = await running.client.get(
        f"/v1/reports/daily?date={DAY}&format=csv", headers=running.auth()
    )
    assert daily.status_code == 200 and daily.headers["content-type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(daily.text)))
    assert {"section": "volume", "name": "total", "value": "8"}.items() <= lines[0].items()
    kpi = await running.client.get(
        f"/v1/reports/kpi?from={DAY - timedelta(days=7)}&to={DAY}&format=csv",
        headers=running.auth(),
    )
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(kpi.text))}
    cohort = [c for c in cases if within(c.received_at, DAY - timedelta(days=7), DAY)]
    assert rows["(total)"]["complaints"] == str(len(cohort))
    assert set(rows) - {"(total)"} == {c.department for c in cohort}


async def test_a_department_user_sees_only_its_department(
    seeded: tuple[InsightsUnderTest, list[Case]],
) -> None:
    running, cases = seeded
    headers = running.auth(Role.department, departments=("logistics",))
    daily = (await running.client.get(f"/v1/reports/daily?date={DAY}", headers=headers)).json()
    ours = [c for c in cases if within(c.received_at, DAY, DAY) and c.department == "logistics"]
    assert daily["volume"]["total"] == len(ours)
    assert daily["departments"] == ["logistics"]
    kpi = (
        await running.client.get(
            f"/v1/reports/kpi?from={DAY - timedelta(days=7)}&to={DAY}", headers=headers
        )
    ).json()
    assert [r["department"] for r in kpi["rows"]] in ([], ["logistics"])


async def test_reports_refuse_missing_tokens_other_roles_and_bad_parameters(
    seeded: tuple[InsightsUnderTest, list[Case]],
) -> None:
    running, _ = seeded
    client = running.client
    assert (await client.get(f"/v1/reports/daily?date={DAY}")).status_code == 401
    assert (
        await client.get(f"/v1/reports/daily?date={DAY}", headers=running.auth(Role.channel))
    ).status_code == 403
    bad = await client.get("/v1/reports/daily?date=10/06/2025", headers=running.auth())
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "date"
    future = await client.get("/v1/reports/daily?date=2999-01-01", headers=running.auth())
    assert future.status_code == 422
    kpi = await client.get("/v1/reports/kpi?from=2025-06-10&to=2025-06-01", headers=running.auth())
    assert kpi.status_code == 422 and kpi.json()["fields"][0]["field"] == "from"
    group = await client.get("/v1/reports/kpi?group_by=team", headers=running.auth())
    assert group.status_code == 422 and group.json()["fields"][0]["field"] == "group_by"
    run = await client.post(
        f"/v1/reports/daily/run?date={DAY}", headers=running.auth(Role.supervisor)
    )
    assert run.status_code == 403
