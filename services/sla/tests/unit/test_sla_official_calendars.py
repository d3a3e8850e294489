"""The built-in official calendars (generated from the holidays library), enterprise
calendars based on them, and how far their holidays reach."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from closeloop_shared.durations import parse_duration
from closeloop_sla.adapters.policy_documents import CalendarDoc, CalendarRead
from closeloop_sla.domain.calendar import DEFAULT_CALENDAR, BusinessCalendar, beyond_coverage
from closeloop_sla.domain.official_calendars import OFFICIAL_CALENDARS, load_official_calendars
from closeloop_sla.domain.policy_library import BUILTIN_CALENDARS
from closeloop_sla.domain.working_time import add_working_time
from closeloop_sla.service.policy_service import _explicit_makeup_hours

CN = OFFICIAL_CALENDARS["cn-mainland"]
# Generated with `closeloop calendars refresh --years 2025 --only cn-mainland --out ...`.
CN_2025 = load_official_calendars(Path(__file__).parent / "official_2025")["cn-mainland"]


def local(calendar: BusinessCalendar, text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=calendar.zone)


def test_the_official_calendars_are_built_in_for_2026_and_2027() -> None:
    assert {"cn-mainland", "hk", "us", "business", "24x7"} <= set(BUILTIN_CALENDARS)
    for name in ("cn-mainland", "hk", "us"):
        assert OFFICIAL_CALENDARS[name].covered_until == date(2027, 12, 31)
    assert CN.provisional_years == (2027,)  # no 2027 State Council notice in the library yet
    assert OFFICIAL_CALENDARS["us"].time_zone == "America/New_York"
    assert date(2026, 11, 26) in OFFICIAL_CALENDARS["us"].holidays  # Thanksgiving


def test_p3d_before_spring_festival_2025_lands_after_it_counting_the_make_up_sunday() -> None:
    start = local(CN_2025, "2025-01-24 17:50")  # Friday before the 28 Jan - 4 Feb holiday
    due = add_working_time(CN_2025, start, parse_duration("P3D"))
    # Working days: Sunday 26 Jan (make-up), Monday 27 Jan, then Wednesday 5 Feb.
    assert due == local(CN_2025, "2025-02-05 17:50")
    # Without the official calendar the deadline fell inside the Spring Festival.
    assert add_working_time(DEFAULT_CALENDAR, start, parse_duration("P3D")) == local(
        DEFAULT_CALENDAR, "2025-01-29 17:50"
    )


def test_make_up_days_have_explicit_hours_in_the_official_calendars() -> None:
    assert CN.makeup_hours == CN.weekly_hours[0]
    assert CN.hours_on(date(2026, 2, 14)) == CN.makeup_hours  # Saturday make-up day
    assert CN.hours_on(date(2026, 2, 17)) == ()  # Spring Festival


def test_new_years_day_2027_is_a_holiday_and_2028_is_past_coverage() -> None:
    start = local(CN, "2026-12-31 17:00")
    assert add_working_time(CN, start, parse_duration("PT2H")) == local(CN, "2027-01-04 10:00")
    assert not beyond_coverage(CN, date(2027, 12, 31))
    assert beyond_coverage(CN, date(2028, 1, 1))
    assert not beyond_coverage(DEFAULT_CALENDAR, date(2099, 1, 1))  # claims no holidays


def test_an_enterprise_calendar_adds_its_closures_to_its_base() -> None:
    doc = CalendarDoc(
        name="acme-cn",
        base="cn-mainland",
        holidays=[date(2026, 12, 24), date(2026, 10, 10)],  # a closure on a make-up day
    )
    calendar = doc.to_domain()
    assert calendar.holidays == CN.holidays | {date(2026, 12, 24), date(2026, 10, 10)}
    assert date(2026, 10, 10) not in calendar.makeup_days
    assert date(2026, 9, 20) in calendar.makeup_days
    assert (calendar.time_zone, calendar.weekly_hours) == (CN.time_zone, CN.weekly_hours)
    assert calendar.covered_until == date(2027, 12, 31)
    read = CalendarRead.of(calendar, "acme-cn", 1)
    assert (read.base, read.covered_until, read.provisional_years) == (
        "cn-mainland",
        date(2027, 12, 31),
        [2027],
    )
    # Reading it back and storing it again gives the same calendar.
    again = CalendarDoc.model_validate(read.model_dump(exclude={"version", "builtin",
        "covered_until", "provisional_years"}))  # fmt: skip
    assert again.to_domain() == calendar


def test_an_enterprise_calendar_may_keep_its_own_hours_and_zone() -> None:
    doc = CalendarDoc(
        name="acme-hk",
        base="hk",
        time_zone="Asia/Shanghai",
        hours={"sat": "10:00-14:00"},
    )
    calendar = doc.to_domain()
    assert calendar.time_zone == "Asia/Shanghai"
    assert calendar.hours_on(date(2026, 12, 5)) != ()  # a Saturday
    assert calendar.hours_on(date(2026, 12, 7)) == ()  # its Monday is off


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"name": "x", "base": "mars"}, "not a built-in official calendar"),
        ({"name": "x", "hours": {"mon": "09:00-17:00"}, "makeup_days": ["2026-09-20"]},
         "explicit makeup_hours"),
    ],
)  # fmt: skip
def test_bad_calendars_are_refused_saying_why(body: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        CalendarDoc.model_validate(body)


def test_a_set_stored_before_make_up_hours_were_explicit_still_loads_with_monday_hours(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stored = {
        "name": "old",
        "time_zone": "Asia/Shanghai",
        "hours": {"mon": "09:00-17:00", "tue": "09:00-17:00"},
        "makeup_days": ["2026-09-20"],
    }
    _explicit_makeup_hours(stored)
    calendar = CalendarDoc.model_validate(stored).to_domain()
    assert [str(r) for r in calendar.hours_on(date(2026, 9, 20))] == ["09:00-17:00"]
    assert "using its Monday hours" in caplog.text


def test_a_hand_entered_calendar_covers_the_years_of_its_holidays() -> None:
    hand = CalendarDoc(
        name="hand",
        hours={"mon": "09:00-17:00", "fri": "09:00-17:00"},
        holidays=[date(2026, 10, 1), date(2025, 12, 25)],
    ).to_domain()
    assert hand.covered_until == date(2026, 12, 31)
    assert beyond_coverage(hand, date(2027, 1, 1))  # New Year's Day 2027 is not loaded
    explicit = CalendarDoc(
        name="hand", hours={"mon": "09:00-17:00"}, holidays=[date(2026, 10, 1)],
        covered_until=date(2027, 6, 30),
    ).to_domain()  # fmt: skip
    assert explicit.covered_until == date(2027, 6, 30)
    plain = CalendarDoc(name="plain", hours={"mon": "09:00-17:00"}).to_domain()
    assert plain.covered_until is None  # lists no holidays, claims none
    earlier = CalendarDoc(name="acme", base="us", covered_until=date(2026, 12, 31)).to_domain()
    assert earlier.covered_until == date(2026, 12, 31)
    later = CalendarDoc(name="acme", base="us", covered_until=date(2030, 12, 31)).to_domain()
    assert later.covered_until == date(2027, 12, 31)  # the base knows no more than that
