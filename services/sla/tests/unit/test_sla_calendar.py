"""Business calendars: construction, and add_working_time / working_time_between by table."""

from __future__ import annotations

import time as wallclock
from datetime import UTC, date, datetime, timedelta

import pytest

from closeloop_shared.durations import parse_duration
from closeloop_sla.domain.calendar import (
    ALWAYS_OPEN,
    DEFAULT_CALENDAR,
    BusinessCalendar,
    make_calendar,
    parse_ranges,
    resolve_calendar,
)
from closeloop_sla.domain.official_calendars import OFFICIAL_CALENDARS
from closeloop_sla.domain.working_time import (
    add_working_time,
    next_working_instant,
    working_spans,
    working_time_between,
)

SHANGHAI = DEFAULT_CALENDAR  # Mon-Fri 09:00-12:00, 13:00-18:00
# The official 2026 schedule (State Council notice, as the holidays library has it, checked
# against the shipped cn-mainland calendar below): Mid-Autumn Friday 25 September, National
# Day Thursday 1 - Wednesday 7 October; make-up working days Sunday 20 September and
# Saturday 10 October.
_GOLDEN_WEEK = frozenset({date(2026, 9, 25)} | {date(2026, 10, d) for d in range(1, 8)})
_GOLDEN_WEEK_MAKEUP = frozenset({date(2026, 9, 20), date(2026, 10, 10)})  # Sunday, Saturday
TIAOXIU = make_calendar(  # 调休: weekend dates that work to make up for the holiday week
    "cn",
    "Asia/Shanghai",
    "09:00-12:00,13:00-18:00",
    holidays=_GOLDEN_WEEK,
    makeup_days=_GOLDEN_WEEK_MAKEUP,
    makeup_hours="09:00-12:00,13:00-18:00",
)
TIAOXIU_SHORT = make_calendar(
    "cn-short",
    "Asia/Shanghai",
    "09:00-12:00,13:00-18:00",
    holidays=_GOLDEN_WEEK,
    makeup_days={date(2026, 10, 10)},
    makeup_hours="09:00-12:00",
)
NEW_YORK = make_calendar("ny", "America/New_York", "09:00-17:00")
NEW_YORK_ALL_DAY = make_calendar("ny-24", "America/New_York", "00:00-24:00", workdays=range(7))
BERLIN = make_calendar("berlin", "Europe/Berlin", "08:00-16:00")
BERLIN_NIGHTS = make_calendar("berlin-n", "Europe/Berlin", "00:00-06:00", workdays=range(7))


def local(calendar: BusinessCalendar, text: str) -> datetime:
    """``"2026-11-23 10:00"`` as wall-clock time in the calendar's zone (first occurrence)."""
    return datetime.fromisoformat(text).replace(tzinfo=calendar.zone)


# (case, calendar, start (local), duration, expected (local))
ADD_CASES = [
    ("same day across lunch", SHANGHAI, "2026-11-23 10:00", "PT4H", "2026-11-23 15:00"),
    ("into the next day", SHANGHAI, "2026-11-23 17:00", "PT2H", "2026-11-24 10:00"),
    ("over the weekend", SHANGHAI, "2026-11-27 17:00", "PT2H", "2026-11-30 10:00"),
    ("start on saturday", SHANGHAI, "2026-11-28 10:00", "PT1H", "2026-11-30 10:00"),
    ("start before hours", SHANGHAI, "2026-11-23 07:00", "PT1H", "2026-11-23 10:00"),
    ("start after hours", SHANGHAI, "2026-11-23 20:00", "PT1H", "2026-11-24 10:00"),
    ("start in the lunch gap", SHANGHAI, "2026-11-23 12:30", "PT1H", "2026-11-23 14:00"),
    ("split shift gap", SHANGHAI, "2026-11-23 11:30", "PT1H", "2026-11-23 13:30"),
    ("a full day ends at closing", SHANGHAI, "2026-11-23 09:00", "PT8H", "2026-11-23 18:00"),
    ("fifteen minutes", SHANGHAI, "2026-11-23 10:00", "PT15M", "2026-11-23 10:15"),
    ("zero adds nothing", SHANGHAI, "2026-11-23 11:59", "PT0S", "2026-11-23 11:59"),
    ("P3D keeps the time of day", SHANGHAI, "2026-11-23 10:00", "P3D", "2026-11-26 10:00"),
    ("P5D is a working week", SHANGHAI, "2026-11-23 10:00", "P5D", "2026-11-30 10:00"),
    ("P3D from friday night", SHANGHAI, "2026-11-27 19:00", "P3D", "2026-12-02 18:00"),
    ("P1D from opening", SHANGHAI, "2026-11-23 09:00", "P1D", "2026-11-23 18:00"),
    ("P1D from saturday", SHANGHAI, "2026-11-28 10:00", "P1D", "2026-11-30 18:00"),
    ("P1D after lunch", SHANGHAI, "2026-11-23 13:00", "P1D", "2026-11-24 12:00"),
    ("days then hours", SHANGHAI, "2026-11-23 10:00", "P1DT2H", "2026-11-24 12:00"),
    ("PT200H is 25 working days", SHANGHAI, "2026-11-23 10:00", "PT200H", "2026-12-28 10:00"),
    ("over the holiday week", TIAOXIU, "2026-09-30 17:00", "PT2H", "2026-10-08 10:00"),
    ("into a sunday make-up day", TIAOXIU, "2026-09-18 17:00", "PT2H", "2026-09-20 10:00"),
    ("over mid-autumn", TIAOXIU, "2026-09-24 17:00", "PT2H", "2026-09-28 10:00"),
    ("into a saturday make-up day", TIAOXIU, "2026-10-09 17:00", "PT2H", "2026-10-10 10:00"),
    ("start on a holiday", TIAOXIU, "2026-10-03 10:00", "PT1H", "2026-10-08 10:00"),
    ("P3D over the holidays", TIAOXIU, "2026-09-30 10:00", "P3D", "2026-10-10 10:00"),
    ("P5D over the holidays", TIAOXIU, "2026-09-29 10:00", "P5D", "2026-10-12 10:00"),
    ("short make-up day", TIAOXIU_SHORT, "2026-10-09 17:00", "PT4H", "2026-10-10 12:00"),
    ("P1D onto a short day", TIAOXIU_SHORT, "2026-10-09 15:00", "P1D", "2026-10-10 12:00"),
    ("NY spring forward weekend", NEW_YORK, "2026-03-06 16:00", "PT2H", "2026-03-09 10:00"),
    ("NY fall back weekend", NEW_YORK, "2026-10-30 16:00", "PT2H", "2026-11-02 10:00"),
    ("NY P1D over spring forward", NEW_YORK, "2026-03-06 10:00", "P1D", "2026-03-09 10:00"),
    ("NY 24h: 23h spring day", NEW_YORK_ALL_DAY, "2026-03-07 12:00", "PT24H", "2026-03-08 13:00"),
    ("NY 24h: P1D is wall clock", NEW_YORK_ALL_DAY, "2026-03-07 12:00", "P1D", "2026-03-08 12:00"),
    ("NY 24h: 25h fall day", NEW_YORK_ALL_DAY, "2026-10-31 12:00", "PT24H", "2026-11-01 11:00"),
    ("NY 24h: across the gap", NEW_YORK_ALL_DAY, "2026-03-08 01:30", "PT1H", "2026-03-08 03:30"),
    ("NY 24h: P1D into the gap", NEW_YORK_ALL_DAY, "2026-03-07 02:30", "P1D", "2026-03-08 03:00"),
    ("Berlin spring forward", BERLIN, "2026-03-27 15:00", "PT2H", "2026-03-30 09:00"),
    ("Berlin fall back", BERLIN, "2026-10-23 15:00", "PT2H", "2026-10-26 09:00"),
    ("Berlin short night", BERLIN_NIGHTS, "2026-03-29 00:00", "PT5H", "2026-03-29 06:00"),
    ("Berlin long night", BERLIN_NIGHTS, "2026-10-25 00:00", "PT7H", "2026-10-25 06:00"),
    ("24x7 hours", ALWAYS_OPEN, "2026-11-28 10:00", "PT4H", "2026-11-28 14:00"),
    ("24x7 days", ALWAYS_OPEN, "2026-11-28 10:00", "P3D", "2026-12-01 10:00"),
]


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "expected"),
    [case[1:] for case in ADD_CASES],
    ids=[case[0] for case in ADD_CASES],
)
def test_add_working_time_lands_on_the_expected_local_instant(
    calendar: BusinessCalendar, start: str, duration: str, expected: str
) -> None:
    result = add_working_time(calendar, local(calendar, start), parse_duration(duration))
    assert result == local(calendar, expected)
    assert result.tzinfo is UTC


def test_fall_back_night_counts_the_repeated_hour_once_each_time() -> None:
    start = local(BERLIN_NIGHTS, "2026-10-25 00:00")
    result = add_working_time(BERLIN_NIGHTS, start, parse_duration("PT6H"))
    assert result == datetime(2026, 10, 25, 4, 0, tzinfo=UTC)  # 05:00 CET, second pass of 2-3


# (case, calendar, start, end, expected working time)
BETWEEN_CASES = [
    ("weekend excluded", SHANGHAI, "2026-11-27 17:00", "2026-11-30 10:00", timedelta(hours=2)),
    ("a working week", SHANGHAI, "2026-11-23 00:00", "2026-11-30 00:00", timedelta(hours=40)),
    ("holiday week", TIAOXIU, "2026-10-01 00:00", "2026-10-08 00:00", timedelta(0)),
    (
        "23 h spring day",
        NEW_YORK_ALL_DAY,
        "2026-03-08 00:00",
        "2026-03-09 00:00",
        timedelta(hours=23),
    ),
    (
        "25 h fall day",
        NEW_YORK_ALL_DAY,
        "2026-11-01 00:00",
        "2026-11-02 00:00",
        timedelta(hours=25),
    ),
    ("5 h spring night", BERLIN_NIGHTS, "2026-03-29 00:00", "2026-03-30 00:00", timedelta(hours=5)),
    ("7 h fall night", BERLIN_NIGHTS, "2026-10-25 00:00", "2026-10-26 00:00", timedelta(hours=7)),
    ("backwards is zero", SHANGHAI, "2026-11-24 10:00", "2026-11-23 10:00", timedelta(0)),
    ("24x7 is elapsed", ALWAYS_OPEN, "2026-11-28 10:00", "2026-11-29 11:00", timedelta(hours=25)),
]


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [case[1:] for case in BETWEEN_CASES],
    ids=[case[0] for case in BETWEEN_CASES],
)
def test_working_time_between_counts_only_working_ranges(
    calendar: BusinessCalendar, start: str, end: str, expected: timedelta
) -> None:
    assert working_time_between(calendar, local(calendar, start), local(calendar, end)) == expected


@pytest.mark.parametrize(
    ("calendar", "at", "expected"),
    [
        (SHANGHAI, "2026-11-23 10:00", "2026-11-23 10:00"),
        (SHANGHAI, "2026-11-23 12:00", "2026-11-23 13:00"),
        (SHANGHAI, "2026-11-23 18:00", "2026-11-24 09:00"),
        (SHANGHAI, "2026-11-28 03:00", "2026-11-30 09:00"),
        (TIAOXIU, "2026-10-02 10:00", "2026-10-08 09:00"),
        (TIAOXIU, "2026-10-09 18:30", "2026-10-10 09:00"),
        (ALWAYS_OPEN, "2026-11-28 03:00", "2026-11-28 03:00"),
    ],
)
def test_next_working_instant_skips_to_the_next_open_range(
    calendar: BusinessCalendar, at: str, expected: str
) -> None:
    assert next_working_instant(calendar, local(calendar, at)) == local(calendar, expected)


def test_spring_forward_gap_inside_a_range_is_not_counted() -> None:
    gap_day = make_calendar("gap", "America/New_York", "01:00-02:30,03:00-05:00", workdays=[6])
    day = local(gap_day, "2026-03-08 00:00")
    # 01:00-02:00 EST then the clock jumps to 03:00 EDT: 1 h + 2 h of real working time.
    assert working_time_between(gap_day, day, day + timedelta(days=1)) == timedelta(hours=3)


def test_a_range_starting_inside_the_gap_starts_at_the_transition() -> None:
    late_start = make_calendar("gap", "America/New_York", "02:30-04:00", workdays=[6])
    assert working_spans(late_start, date(2026, 3, 8)) == (
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 8, 8, 0, tzinfo=UTC)),
    )


def test_large_durations_loop_per_day_not_per_minute() -> None:
    start = local(SHANGHAI, "2026-11-23 10:00")
    began = wallclock.perf_counter()
    result = add_working_time(SHANGHAI, start, parse_duration("PT20000H"))  # ~10 years
    elapsed = wallclock.perf_counter() - began
    assert working_time_between(SHANGHAI, start, result) == timedelta(hours=20000)
    assert elapsed < 2.0


def test_calendar_without_working_time_refuses_instead_of_looping() -> None:
    closed = make_calendar("closed", "UTC", {})
    with pytest.raises(ValueError, match="no working"):
        add_working_time(closed, datetime(2026, 1, 1, tzinfo=UTC), parse_duration("PT1H"))
    with pytest.raises(ValueError, match="no working"):
        add_working_time(closed, datetime(2026, 1, 1, tzinfo=UTC), parse_duration("P1D"))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        add_working_time(SHANGHAI, datetime(2026, 11, 23, 10), parse_duration("PT1H"))


def test_parse_ranges_reads_split_shifts_and_a_24_00_end() -> None:
    ranges = parse_ranges("09:00-12:00, 13:30-18:00")
    assert [str(r) for r in ranges] == ["09:00-12:00", "13:30-18:00"]
    assert [r.seconds for r in parse_ranges("20:00-24:00")] == [4 * 3600]


@pytest.mark.parametrize(
    "text", ["18:00-09:00", "09:00-12:00,11:00-13:00", "13:00-18:00,09:00-12:00", "9-12"]
)
def test_parse_ranges_refuses_backwards_overlapping_or_malformed_ranges(text: str) -> None:
    with pytest.raises(ValueError, match="range"):
        parse_ranges(text)


def test_calendar_refuses_unknown_zone_and_a_date_both_off_and_working() -> None:
    with pytest.raises(ValueError, match="time zone"):
        make_calendar("x", "Mars/Olympus_Mons", "09:00-17:00")
    with pytest.raises(ValueError, match="both holiday and make-up"):
        make_calendar(
            "x", "UTC", "09:00-17:00", holidays=[date(2026, 1, 1)], makeup_days=[date(2026, 1, 1)]
        )


def test_hours_on_applies_holidays_then_make_up_days_then_the_weekday() -> None:
    assert TIAOXIU.hours_on(date(2026, 10, 5)) == ()  # a Monday in the holiday week
    assert TIAOXIU.hours_on(date(2026, 9, 20)) == TIAOXIU.makeup_hours  # a make-up Sunday
    assert TIAOXIU.hours_on(date(2026, 10, 11)) == ()  # an ordinary Sunday
    assert [str(r) for r in TIAOXIU_SHORT.hours_on(date(2026, 10, 10))] == ["09:00-12:00"]


def test_make_up_days_need_their_hours_spelled_out() -> None:
    with pytest.raises(ValueError, match="explicit makeup_hours"):
        make_calendar("tue-sat", "UTC", "09:00-17:00", makeup_days=[date(2026, 9, 20)])


def test_the_golden_week_fixture_is_the_official_2026_schedule() -> None:
    official = OFFICIAL_CALENDARS["cn-mainland"]  # generated from the holidays library
    autumn = [date(2026, 9, 1) + timedelta(days=n) for n in range(61)]  # September, October
    off = {d for d in autumn if not official.hours_on(d) and d.weekday() < 5}
    assert off == {d for d in _GOLDEN_WEEK if d.weekday() < 5}
    assert {d for d in official.makeup_days if d in autumn} == _GOLDEN_WEEK_MAKEUP
    assert all(official.hours_on(d) == () for d in _GOLDEN_WEEK)


def test_resolve_calendar_has_builtins_that_configuration_can_override() -> None:
    assert resolve_calendar("business", {}) is DEFAULT_CALENDAR
    assert resolve_calendar("24x7", {}) is ALWAYS_OPEN
    assert resolve_calendar("business", {"business": NEW_YORK}) is NEW_YORK
    with pytest.raises(KeyError, match="unknown calendar"):
        resolve_calendar("nope", {})


def test_default_calendar_is_shanghai_office_hours() -> None:
    assert DEFAULT_CALENDAR.time_zone == "Asia/Shanghai"
    assert [str(r) for r in DEFAULT_CALENDAR.weekly_hours[0]] == ["09:00-12:00", "13:00-18:00"]
    assert DEFAULT_CALENDAR.weekly_hours[5] == DEFAULT_CALENDAR.weekly_hours[6] == ()
