"""Edges of working-time arithmetic that mutation testing found unchecked (issue 20)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

import pytest

from closeloop_shared.durations import Duration
from closeloop_sla.domain.calendar import make_calendar
from closeloop_sla.domain.working_time import add_working_time, to_utc, working_spans

NEW_YORK = make_calendar("ny", "America/New_York", "09:00-17:00")
BERLIN_NIGHTS = make_calendar(
    "berlin-n", "Europe/Berlin", "00:00-02:30,03:00-06:00", workdays=range(7)
)


def test_a_working_day_from_a_span_start_steps_back_over_the_weekend() -> None:
    # Friday 09:00 New York (EST): one working day lands on Monday 09:00, the start of a
    # span, whose earliest equal instant is Friday's 17:00, three calendar days back.
    friday_nine = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)
    assert add_working_time(NEW_YORK, friday_nine, Duration(days=1)) == datetime(
        2026, 3, 6, 22, 0, tzinfo=UTC
    )


def test_a_working_day_from_midweek_span_start_is_the_same_day_end() -> None:
    wednesday_nine = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
    assert add_working_time(NEW_YORK, wednesday_nine, Duration(days=2)) == datetime(
        2026, 3, 5, 22, 0, tzinfo=UTC
    )


def test_a_span_end_inside_the_spring_forward_gap_is_the_transition_instant() -> None:
    # Berlin skips 02:00-03:00 on 2026-03-29: 00:00 CET is 23:00 UTC the day before, the
    # gap's 02:30 becomes the transition at 01:00 UTC, and 03:00 CEST is 01:00 UTC.
    assert working_spans(BERLIN_NIGHTS, date(2026, 3, 29)) == (
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), datetime(2026, 3, 29, 4, 0, tzinfo=UTC)),
    )


def test_a_wall_time_outside_any_gap_is_converted_exactly() -> None:
    # the day before, both 02:30 and 03:00 exist (CET, UTC+1)
    assert working_spans(BERLIN_NIGHTS, date(2026, 3, 28)) == (
        (datetime(2026, 3, 27, 23, 0, tzinfo=UTC), datetime(2026, 3, 28, 1, 30, tzinfo=UTC)),
        (datetime(2026, 3, 28, 2, 0, tzinfo=UTC), datetime(2026, 3, 28, 5, 0, tzinfo=UTC)),
    )


class _OffsetUnknown(tzinfo):
    """A time zone that cannot say its offset: as unusable for an SLA as a naive time."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


def test_a_time_zone_without_an_offset_is_refused_like_a_naive_time() -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        to_utc(datetime(2026, 3, 2, 9, 0, tzinfo=_OffsetUnknown()))


def test_a_working_day_from_a_range_boundary_ends_at_the_same_boundary_next_day() -> None:
    # ranges that touch at noon: noon starts the second range, but it also ends the
    # first, so one working day from Monday noon is Tuesday noon, not Monday's close
    split = make_calendar("split", "UTC", "09:00-12:00,12:00-18:00")
    monday_noon = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert add_working_time(split, monday_noon, Duration(days=1)) == datetime(
        2026, 3, 3, 12, 0, tzinfo=UTC
    )


def test_working_days_from_a_repeated_hour_land_on_the_first_occurrence() -> None:
    # received at the second 01:30 of New York's 2025 fall-back night (06:30 UTC); 364
    # working days later is the 2026 fall-back night, whose 01:30 resolves to its first
    # occurrence (EDT, 05:30 UTC) like every ambiguous local time
    always = make_calendar("ny-all", "America/New_York", "00:00-24:00", workdays=range(7))
    second_half_thirty = datetime(2025, 11, 2, 6, 30, tzinfo=UTC)
    assert add_working_time(always, second_half_thirty, Duration(days=364)) == datetime(
        2026, 11, 1, 5, 30, tzinfo=UTC
    )
