"""Business calendars: when working time counts (R4 "working days and working hours").

A :class:`BusinessCalendar` is wall-clock local time in an IANA time zone: working ranges
per weekday (split shifts allowed), holidays (dates off), make-up working days (dates that
work even though they fall on a weekend, China's 调休), or ``always_open`` for 24×7 desks.
The arithmetic on calendars lives in :mod:`closeloop_sla.domain.working_time`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BUSINESS = "business"
ALWAYS_OPEN_NAME = "24x7"
MIDNIGHT = time(0, 0)
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A local wall-clock working range ``[start, end)``; ``end`` 00:00 means 24:00."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.end != MIDNIGHT and self.end <= self.start:
            raise ValueError(f"working range {self} must end after it starts")

    @property
    def seconds(self) -> int:
        """Nominal wall-clock length (a DST change can make the real length differ)."""
        end = 86400 if self.end == MIDNIGHT else _seconds_of(self.end)
        return end - _seconds_of(self.start)

    def __str__(self) -> str:
        end = "24:00" if self.end == MIDNIGHT else self.end.strftime("%H:%M")
        return f"{self.start.strftime('%H:%M')}-{end}"


DayHours = tuple[TimeRange, ...]
NO_HOURS: DayHours = ()


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    """When working time counts. ``weekly_hours[0]`` is Monday, ``[6]`` Sunday.

    ``makeup_hours`` are the hours of a make-up working day: explicit whenever there are
    make-up days (a Tue–Sat desk has no "Monday" to borrow from). ``covered_until`` is the
    last date whose holidays the calendar knows (``None``: it makes no such claim);
    ``provisional_years`` are covered years whose official schedule was not yet published.
    With ``always_open`` every instant is working time and the other fields are ignored.
    """

    name: str
    time_zone: str
    weekly_hours: tuple[DayHours, ...] = (NO_HOURS,) * 7
    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_days: frozenset[date] = field(default_factory=frozenset)
    makeup_hours: DayHours | None = None
    always_open: bool = False
    covered_until: date | None = None
    provisional_years: tuple[int, ...] = ()
    base: str | None = None  # the official calendar this one builds on, if any

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown IANA time zone {self.time_zone!r}") from error
        if len(self.weekly_hours) != 7:
            raise ValueError("weekly_hours needs exactly 7 entries, Monday first")
        for hours in (*self.weekly_hours, self.makeup_hours or NO_HOURS):
            _check_ordered(hours)
        both = self.holidays & self.makeup_days
        if both:
            raise ValueError(f"dates both holiday and make-up day: {sorted(both)}")
        if self.makeup_days and self.makeup_hours is None:
            raise ValueError("make-up days need explicit makeup_hours (e.g. 09:00-18:00)")

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone (``ZoneInfo`` caches instances by key)."""
        return ZoneInfo(self.time_zone)

    def hours_on(self, day: date) -> DayHours:
        """The local working ranges of ``day`` (empty on holidays and days off)."""
        if day in self.holidays:
            return NO_HOURS
        if day in self.makeup_days:
            return self.makeup_hours or NO_HOURS
        return self.weekly_hours[day.weekday()]


def parse_ranges(text: str) -> DayHours:
    """Parse ``"09:00-12:00, 13:00-18:00"`` (``24:00`` allowed as an end) into ranges."""
    ranges: list[TimeRange] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(f"working range {part!r} is not like 09:00-12:00")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        end = MIDNIGHT if (h2, m2) == (24, 0) else time(h2, m2)
        ranges.append(TimeRange(time(h1, m1), end))
    result = tuple(ranges)
    _check_ordered(result)
    return result


def make_calendar(
    name: str,
    time_zone: str,
    hours: str | Mapping[int, str],
    *,
    workdays: Iterable[int] = range(5),
    holidays: Iterable[date] = (),
    makeup_days: Iterable[date] = (),
    makeup_hours: str | None = None,
) -> BusinessCalendar:
    """Build a calendar from text: the same ``hours`` on each of ``workdays`` (0 = Monday),
    or a ``{weekday: "09:00-12:00,…"}`` mapping for different hours per day."""
    per_day = hours if isinstance(hours, Mapping) else dict.fromkeys(workdays, hours)
    weekly = tuple(parse_ranges(per_day[d]) if d in per_day else NO_HOURS for d in range(7))
    return BusinessCalendar(
        name=name,
        time_zone=time_zone,
        weekly_hours=weekly,
        holidays=frozenset(holidays),
        makeup_days=frozenset(makeup_days),
        makeup_hours=parse_ranges(makeup_hours) if makeup_hours is not None else None,
    )


def based_on(base: BusinessCalendar, own: BusinessCalendar, *, own_zone: bool) -> BusinessCalendar:
    """An enterprise calendar built on an official one: the base's holidays and make-up days
    plus the enterprise's own closures (a closure wins over a make-up day); the hours,
    make-up hours and time zone the enterprise gave, else the base's. Coverage is the base's
    (or the enterprise's ``covered_until`` if that is earlier)."""
    closures = own.holidays
    return BusinessCalendar(
        name=own.name,
        time_zone=own.time_zone if own_zone else base.time_zone,
        weekly_hours=own.weekly_hours if any(own.weekly_hours) else base.weekly_hours,
        holidays=base.holidays | closures,
        makeup_days=(base.makeup_days | own.makeup_days) - closures,
        makeup_hours=own.makeup_hours if own.makeup_hours is not None else base.makeup_hours,
        always_open=own.always_open,
        covered_until=min(filter(None, (base.covered_until, own.covered_until)), default=None),
        provisional_years=base.provisional_years,
        base=base.name,
    )


def with_inferred_coverage(calendar: BusinessCalendar) -> BusinessCalendar:
    """A hand-entered calendar that lists holidays but no ``covered_until`` covers up to
    31 December of the last year it lists a holiday or make-up day in: the next New Year's
    Day is not in it, and a deadline counted into that year must say so."""
    dated = calendar.holidays | calendar.makeup_days
    if calendar.covered_until is not None or not dated or calendar.always_open:
        return calendar
    return replace(calendar, covered_until=date(max(dated).year, 12, 31))


def beyond_coverage(calendar: BusinessCalendar, day: date) -> bool:
    """True when ``day`` lies after the last date whose holidays ``calendar`` knows: working
    time counted there ignores holidays nobody loaded (New Year's Day counts as working)."""
    return calendar.covered_until is not None and day > calendar.covered_until


def resolve_calendar(name: str, calendars: Mapping[str, BusinessCalendar]) -> BusinessCalendar:
    """Find the calendar a policy names; ``business`` and ``24x7`` have built-in defaults."""
    if name in calendars:
        return calendars[name]
    builtin = {BUSINESS: DEFAULT_CALENDAR, ALWAYS_OPEN_NAME: ALWAYS_OPEN}
    if name in builtin:
        return builtin[name]
    raise KeyError(f"unknown calendar {name!r}")


def _seconds_of(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _check_ordered(hours: DayHours) -> None:
    for earlier, later in pairwise(hours):
        if earlier.end == MIDNIGHT or later.start < earlier.end:
            raise ValueError(f"working ranges overlap or are out of order: {earlier}, {later}")


DEFAULT_CALENDAR = make_calendar("business", "Asia/Shanghai", "09:00-12:00,13:00-18:00")
ALWAYS_OPEN = BusinessCalendar(name=ALWAYS_OPEN_NAME, time_zone="UTC", always_open=True)
