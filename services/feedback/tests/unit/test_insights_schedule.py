"""The daily job's schedule and the service report's periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from closeloop_feedback.domain.insights.periods import Bucket, buckets, parse_period
from closeloop_feedback.domain.insights.schedule import (
    latest_run_at,
    next_run_at,
    parse_time_of_day,
    reported_day,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = time(0, 10)


def test_the_run_after_midnight_shanghai_reports_the_day_before() -> None:
    now = datetime(2026, 11, 21, 16, 30, tzinfo=UTC)  # 00:30 on the 22nd in Shanghai
    run = latest_run_at(now, AT, SHANGHAI)
    assert run == datetime(2026, 11, 22, 0, 10, tzinfo=SHANGHAI)
    assert reported_day(run, SHANGHAI) == date(2026, 11, 21)
    assert next_run_at(now, AT, SHANGHAI) == datetime(2026, 11, 23, 0, 10, tzinfo=SHANGHAI)


def test_before_the_time_of_day_the_latest_run_was_yesterday() -> None:
    now = datetime(2026, 11, 21, 16, 5, tzinfo=UTC)  # 00:05 on the 22nd in Shanghai
    assert latest_run_at(now, AT, SHANGHAI) == datetime(2026, 11, 21, 0, 10, tzinfo=SHANGHAI)
    assert next_run_at(now, AT, SHANGHAI) == datetime(2026, 11, 22, 0, 10, tzinfo=SHANGHAI)


def test_time_of_day_must_be_hours_and_minutes() -> None:
    assert parse_time_of_day("23:59") == time(23, 59)
    for bad in ("24:00", "noon", "7"):
        with pytest.raises(ValueError, match="00:10"):
            parse_time_of_day(bad)


@pytest.mark.parametrize(
    ("label", "start", "end", "bucket"),
    [
        ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1), Bucket.week),
        ("2026-11", date(2026, 11, 1), date(2026, 12, 1), Bucket.week),
        ("2026-H1", date(2026, 1, 1), date(2026, 7, 1), Bucket.month),
        ("2026", date(2026, 1, 1), date(2027, 1, 1), Bucket.month),
    ],
)
def test_periods_cover_their_days(label: str, start: date, end: date, bucket: Bucket) -> None:
    period = parse_period(label)
    assert (period.start, period.end, period.bucket) == (start, end, bucket)
    parts = buckets(period)
    assert parts[0][1] == start and parts[-1][2] == end
    assert all(a[2] == b[1] for a, b in pairwise(parts))


def test_quarter_weeks_start_on_mondays_after_the_first_clipped_week() -> None:
    parts = buckets(parse_period("2026-Q4"))
    assert parts[0][1] == date(2026, 10, 1) and parts[1][1] == date(2026, 10, 5)
    assert all(b[1].weekday() == 0 for b in parts[1:])


@pytest.mark.parametrize("bad", ["2026-Q5", "2026-13", "26-Q1", "Q4-2026", "2026-W3"])
def test_unknown_period_labels_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_period(bad)
