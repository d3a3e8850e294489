from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from closeloop_feedback.domain.csat import (
    UNASSIGNED,
    GroupBy,
    Period,
    SurveyOutcome,
    compute_csat,
    csat_ratio,
    period_key,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY1 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


def _answered(
    dept: str | None, score: int, solved: bool = True, at: datetime = DAY1
) -> SurveyOutcome:
    return SurveyOutcome(dept, at, True, score, solved)


def test_csat_is_the_satisfied_share_of_answered_surveys() -> None:
    outcomes = [
        _answered("billing", 5),
        _answered("billing", 4),
        _answered("billing", 3),
        _answered("billing", 5, solved=False),
        SurveyOutcome("billing", DAY1, False),
    ]
    totals, rows = compute_csat(outcomes, tz=UTC)
    assert (totals.answered, totals.satisfied, totals.dissatisfied, totals.expired) == (4, 2, 1, 1)
    assert totals.csat == 0.5
    assert totals.response_rate == 0.8
    assert [r.department for r in rows] == ["billing"]


def test_rows_per_department_and_period() -> None:
    outcomes = [
        _answered("billing", 5, at=DAY1),
        _answered("billing", 1, at=DAY2),
        _answered("logistics", 4, at=DAY2),
        _answered(None, 2, at=DAY2),
    ]
    _, rows = compute_csat(
        outcomes, group_by=(GroupBy.department, GroupBy.period), period=Period.day, tz=SHANGHAI
    )
    keys = [(r.department, r.period, r.csat) for r in rows]
    assert keys == [
        (UNASSIGNED, "2026-11-21", 0.0),
        ("billing", "2026-11-20", 1.0),
        ("billing", "2026-11-21", 0.0),
        ("logistics", "2026-11-21", 1.0),
    ]


def test_periods_follow_the_report_time_zone() -> None:
    late_evening_utc = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)  # 01:30 next day in Shanghai
    assert period_key(late_evening_utc, Period.day, UTC) == "2026-11-22"
    assert period_key(late_evening_utc, Period.day, SHANGHAI) == "2026-11-23"
    assert period_key(late_evening_utc, Period.week, SHANGHAI) == "2026-W48"
    assert period_key(late_evening_utc, Period.month, SHANGHAI) == "2026-11"


def test_no_answers_means_no_ratio() -> None:
    assert csat_ratio(0, 0) is None
    totals, rows = compute_csat([SurveyOutcome("billing", DAY1, False)], tz=UTC)
    assert totals.csat is None and rows[0].expired == 1


def test_rows_per_agent_credit_the_agent_handling_it_at_resolution() -> None:
    outcomes = [
        replace(_answered("billing", 5), agent="a1"),
        replace(_answered("billing", 1), agent="a1"),
        replace(_answered("billing", 5), agent="a2"),
        _answered("billing", 4),  # nobody assigned when it was resolved
    ]
    totals, rows = compute_csat(outcomes, group_by=(GroupBy.agent,), tz=UTC)
    assert [(r.agent, r.department, r.answered, r.csat) for r in rows] == [
        (UNASSIGNED, None, 1, 1.0),
        ("a1", None, 2, 0.5),
        ("a2", None, 1, 1.0),
    ]
    assert totals.answered == 4
