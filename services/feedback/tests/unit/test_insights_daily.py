"""The daily report: the day's volume, problems, repeat complainants, status, SLA,
satisfaction, and the day against the 7 days before."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from closeloop_feedback.domain.insights.daily import DailyInputs, compute_daily_report
from closeloop_feedback.domain.insights.facts import (
    ClockOutcome,
    ComplaintFacts,
    StatusChange,
    SurveyAnswer,
)
from closeloop_feedback.domain.insights.window import DayWindow

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 20)
WINDOW = DayWindow.of(DAY, TZ)


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


def facts(cid: str, day: date = DAY, hour: int = 10, **kw: Any) -> ComplaintFacts:
    return ComplaintFacts(cid, received_at=local(day, hour), **kw)


def report(complaints: list[ComplaintFacts], **kw: Any) -> dict[str, Any]:
    inputs = DailyInputs(
        window=WINDOW,
        tz=TZ,
        complaints=complaints,
        pseudonym_history=kw.pop("history", {}),
        backlog=kw.pop("backlog", {}),
        **kw,
    )
    return compute_daily_report(inputs)


def test_volume_counts_only_the_complaints_received_that_local_day() -> None:
    cs = [
        facts("a", channel="phone", category="billing", severity="urgent"),
        facts("b", channel="web", category="billing"),
        facts("c", hour=23, channel="web", kind="suggestion", category="delivery"),
        facts("late", day=DAY + timedelta(days=1), hour=0),  # 00:00 the next day
        facts("early", day=DAY - timedelta(days=1), hour=23),
    ]
    volume = report(cs)["volume"]
    assert volume["total"] == 3
    assert volume["by_channel"] == {"web": 2, "phone": 1}
    assert volume["by_kind"] == {"complaint": 2, "suggestion": 1}
    assert volume["by_category"] == {"billing": 2, "delivery": 1}
    assert volume["by_severity"] == {"normal": 2, "urgent": 1}


def test_repeat_complainants_are_counted_by_pseudonym_over_the_window() -> None:
    cs = [
        facts("a", pseudonym="p1"),
        facts("b", pseudonym="p1"),
        facts("c", pseudonym="p2"),
        facts("d", pseudonym="p3"),
    ]
    repeat = report(cs, history={"p1": 2, "p2": 3, "p3": 1})["repeat_complainants"]
    assert repeat["complainants"] == 2 and repeat["complaints"] == 3
    assert [r["pseudonym"] for r in repeat["top"]] == ["p2", "p1"]


def test_status_at_the_end_of_the_day_ignores_later_changes() -> None:
    next_day = DAY + timedelta(days=1)
    cs = [
        facts("open"),
        facts("resolved", statuses=(StatusChange(local(DAY, 15), 3, "resolved", "resolved"),)),
        facts("closed-later", statuses=(StatusChange(local(next_day, 9), 4, "closed", "closed"),)),
    ]
    status = report(cs, backlog={"open": 7, "resolved": 2, "closed": 40})["status"]
    assert status["received_today"] == {"open": 2, "resolved": 1, "closed": 0}
    assert status["backlog_at_end"] == {"open": 7, "resolved": 2, "closed": 40}
    assert status["changes"]["resolved"] == 1 and status["changes"]["closed"] == 0


def test_sla_compliance_per_clock_and_the_list_of_breaches() -> None:
    old = DAY - timedelta(days=2)
    cs = [
        facts(
            "a",
            department="billing",
            clocks=(
                ClockOutcome(local(DAY, 11), "first_response", True, False, 600.0),
                ClockOutcome(local(DAY, 12), "resolution", False, True, severity="urgent"),
            ),
        ),
        facts(
            "b",
            day=old,
            clocks=(
                ClockOutcome(local(DAY, 9), "first_response", False, True),
                ClockOutcome(local(DAY, 13), "first_response", True, True, 9000.0),
                ClockOutcome(local(old, 9), "resolution", True, False, 100.0),  # not that day
            ),
        ),
    ]
    sla = report(cs)["sla"]
    assert sla["by_clock"]["first_response"] == {
        "on_time": 1,
        "late_met": 1,
        "breached": 1,
        "compliance": 0.5,
    }
    assert sla["by_clock"]["resolution"]["breached"] == 1
    assert sla["compliance"] == round(1 / 3, 4)
    assert [(b["complaint_id"], b["clock"]) for b in sla["breaches"]] == [
        ("b", "first_response"),
        ("a", "resolution"),
    ]
    assert (
        sla["breaches"][1]["severity"] == "urgent" and sla["breaches"][1]["department"] == "billing"
    )


def test_satisfaction_of_the_answers_given_that_day() -> None:
    cs = [
        facts(
            "a",
            surveys=(
                SurveyAnswer(local(DAY, 12), 5, True),
                SurveyAnswer(local(DAY, 13), 2, True),
                SurveyAnswer(local(DAY - timedelta(days=1), 12), 1, False),
            ),
        )
    ]
    sat = report(cs)["satisfaction"]
    assert sat == {"answered": 2, "satisfied": 1, "dissatisfied": 1, "csat": 0.5, "mean_score": 3.5}


def test_the_day_is_compared_with_the_mean_of_the_seven_days_before() -> None:
    cs = [facts(f"t{i}") for i in range(10)]
    for back in range(1, 8):  # 4 per earlier day, and one 8 days back that must not count
        cs += [facts(f"d{back}-{i}", day=DAY - timedelta(days=back)) for i in range(4)]
    cs.append(facts("too-old", day=DAY - timedelta(days=8)))
    received = report(cs)["comparison"]["metrics"]["received"]
    assert received == {"today": 10, "average_7d": 4.0, "delta": 6.0, "change": 1.5}


def test_keywords_and_clusters_come_from_the_days_terms() -> None:
    cs = [
        facts("a", terms=("账单", "扣费", "退还"), category="billing"),
        facts("b", hour=11, terms=("账单", "扣费", "扣款"), category="billing"),
        facts("c", hour=12, terms=("快递", "延误"), category="delivery"),
    ]
    top = report(cs)["top_problems"]
    assert top["keywords"] == [{"term": "扣费", "complaints": 2}, {"term": "账单", "complaints": 2}]
    assert top["clusters"][0]["complaint_ids"] == ["a", "b"]
    assert top["clusters"][0]["categories"] == {"billing": 2}
    assert top["categories"][0] == {"category": "billing", "complaints": 2, "share": 0.6667}
