from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from closeloop_feedback.domain.report_window import WindowInvalid, report_window

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def test_dates_are_whole_local_days_with_to_inclusive() -> None:
    start, end = report_window("2026-11-01", "2026-11-30", tz=TZ, now=NOW)
    assert start == datetime(2026, 11, 1, tzinfo=TZ)
    assert end == datetime(2026, 12, 1, tzinfo=TZ)


def test_instants_are_taken_as_given() -> None:
    start, end = report_window("2026-11-01T00:00:00+00:00", "2026-11-02T06:00:00Z", tz=TZ, now=NOW)
    assert start == datetime(2026, 11, 1, tzinfo=UTC)
    assert end == datetime(2026, 11, 2, 6, tzinfo=UTC)


def test_default_is_the_last_thirty_days() -> None:
    assert report_window(None, None, tz=TZ, now=NOW) == (NOW - timedelta(days=30), NOW)


@pytest.mark.parametrize(
    ("start", "end", "bad"),
    [
        ("yesterday", None, {"from"}),
        ("2026-11-02", "2026-11-01", {"from"}),
        ("2020-01-01", "2026-01-01", {"to"}),
        ("x", "y", {"from", "to"}),
    ],
)
def test_bad_windows_name_the_parameter(start: str, end: str | None, bad: set[str]) -> None:
    with pytest.raises(WindowInvalid) as caught:
        report_window(start, end, tz=TZ, now=NOW)
    assert set(caught.value.problems) == bad
