"""Working-time arithmetic on a :class:`BusinessCalendar`.

Semantics (all results are UTC; inputs must be time-zone aware):

* **Seconds** count working seconds. ``add_working_time(c, t, PTxS)`` is the *earliest*
  instant ``u`` with ``working_time_between(c, t, u) == x``; so a deadline that uses up
  the last working second of a day is that day's closing time (18:00), not 09:00 the next
  working day. Adding zero seconds returns ``t`` itself.
* **Days** count working days: ``P{n}D`` first moves to the next working instant, keeps
  its local wall-clock time of day and steps ``n`` working days forward. On that day it
  takes the same wall-clock time if that is working time, else the start of the next
  working range that day, else the end of that day's last range (a shorter make-up day).
  A result at the very start of a range is then moved back to the end of the previous
  working range (the same working time, earliest instant): received Friday 19:00,
  ``P3D`` is due Wednesday 18:00, i.e. "by close of business on the third working day".
* ``P{n}DT…`` adds the days first, then the seconds.
* 24×7 calendars (``always_open``): a day is 24 h of elapsed time, seconds are seconds.
* Working ranges are local wall-clock time, so their real length follows DST: a range
  ``00:00-24:00`` is 23 h on a spring-forward day and 25 h on a fall-back day. Ambiguous
  local times resolve to their first occurrence; times skipped by a spring-forward gap
  resolve to the instant of the transition.

Loops go per day, never per second. A calendar with no working time for ten years raises
``ValueError`` instead of looping forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from closeloop_shared.durations import Duration
from closeloop_sla.domain.calendar import MIDNIGHT, BusinessCalendar

Span = tuple[datetime, datetime]
_IDLE_DAYS_LIMIT = 3660  # ten years without a working minute means a broken calendar
_ONE_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)
_ZERO = timedelta(0)


def to_utc(at: datetime) -> datetime:
    """``at`` in UTC; naive datetimes are refused (an SLA instant must be unambiguous)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"datetime {at.isoformat()} has no time zone; SLA times must be aware")
    return at.astimezone(UTC)


def next_working_instant(calendar: BusinessCalendar, at: datetime) -> datetime:
    """The first instant at or after ``at`` that is working time (``at`` itself if it is)."""
    at = to_utc(at)
    if calendar.always_open:
        return at
    for span_start, span_end in _spans_from(calendar, at):
        if span_end > at:
            return max(span_start, at)
    raise AssertionError("unreachable: _spans_from never ends")  # pragma: no cover


def working_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time in ``[start, end)``; zero when ``end <= start``."""
    start, end = to_utc(start), to_utc(end)
    if end <= start:
        return _ZERO
    if calendar.always_open:
        return end - start
    total = _ZERO
    day = _local_date(calendar, start)
    last = _local_date(calendar, end)
    while day <= last:
        for span_start, span_end in working_spans(calendar, day):
            overlap = min(span_end, end) - max(span_start, start)
            if overlap > _ZERO:
                total += overlap
        day += _ONE_DAY
    return total


def add_working_time(calendar: BusinessCalendar, start: datetime, duration: Duration) -> datetime:
    """The instant ``duration`` of working time after ``start`` (see the module docstring)."""
    at = to_utc(start)
    if calendar.always_open:
        return at + timedelta(days=duration.days) + duration.time
    if duration.days:
        at = _add_working_days(calendar, at, duration.days)
    if duration.seconds:
        at = add_working_seconds(calendar, at, duration.time)
    return at


def add_working_seconds(calendar: BusinessCalendar, start: datetime, amount: timedelta) -> datetime:
    """The earliest instant with exactly ``amount`` of working time since ``start``."""
    at = to_utc(start)
    if amount < _ZERO:
        raise ValueError(f"cannot add a negative working time ({amount})")
    if amount == _ZERO:
        return at
    if calendar.always_open:
        return at + amount
    remaining = amount
    for span_start, span_end in _spans_from(calendar, at):
        if span_end <= at:
            continue
        available = span_end - max(span_start, at)
        if remaining <= available:
            return max(span_start, at) + remaining
        remaining -= available
    raise AssertionError("unreachable: _spans_from never ends")  # pragma: no cover


@lru_cache(maxsize=8192)
def working_spans(calendar: BusinessCalendar, day: date) -> tuple[Span, ...]:
    """The working ranges of local date ``day`` as ordered, non-overlapping UTC spans."""
    spans: list[Span] = []
    for hours in calendar.hours_on(day):
        start = _local_to_utc(calendar, day, hours.start)
        end_day = day + _ONE_DAY if hours.end == MIDNIGHT else day
        end = _local_to_utc(calendar, end_day, hours.end)
        if spans:  # a DST gap can pull a range back onto its predecessor
            start = max(start, spans[-1][1])
        if end > start:
            spans.append((start, end))
    return tuple(spans)


def _add_working_days(calendar: BusinessCalendar, start: datetime, days: int) -> datetime:
    origin = next_working_instant(calendar, start)
    local = origin.astimezone(calendar.zone)
    wall = local.time().replace(tzinfo=None, fold=0)
    day = local.date()
    for _ in range(days):
        day = _next_working_date(calendar, day)
    spans = working_spans(calendar, day)
    target = _local_to_utc(calendar, day, wall)
    chosen = next((max(s, target) for s, e in spans if e > target), spans[-1][1])
    starts_a_span = any(chosen == s for s, _ in spans)
    if starts_a_span:  # same working time, earliest instant: the previous span's end
        chosen = _previous_span_end(calendar, chosen, day)
    return chosen


def _previous_span_end(calendar: BusinessCalendar, instant: datetime, day: date) -> datetime:
    earlier = [e for _, e in working_spans(calendar, day) if e <= instant]
    if earlier:
        return earlier[-1]
    previous = day - _ONE_DAY
    for _ in range(_IDLE_DAYS_LIMIT):
        spans = working_spans(calendar, previous)
        if spans:
            return spans[-1][1]
        previous -= _ONE_DAY
    return instant  # pragma: no cover - the caller only asks after stepping forward


def _next_working_date(calendar: BusinessCalendar, day: date) -> date:
    for _ in range(_IDLE_DAYS_LIMIT):
        day += _ONE_DAY
        if working_spans(calendar, day):
            return day
    raise ValueError(f"calendar {calendar.name!r} has no working day within ten years of {day}")


def _spans_from(calendar: BusinessCalendar, at: datetime) -> Iterator[Span]:
    """Working spans day by day from ``at``'s local date; gives up after ten idle years."""
    day = _local_date(calendar, at)
    idle = 0
    while True:
        spans = working_spans(calendar, day)
        day += _ONE_DAY
        if spans:
            idle = 0
            yield from spans
            continue
        idle += 1
        if idle > _IDLE_DAYS_LIMIT:
            raise ValueError(f"calendar {calendar.name!r} has no working time within ten years")


def _local_to_utc(calendar: BusinessCalendar, day: date, wall: time) -> datetime:
    """Local wall-clock ``day wall`` as UTC: first occurrence if ambiguous, the transition
    instant if skipped by a DST gap."""
    zone = calendar.zone
    local = datetime.combine(day, wall, tzinfo=zone)
    candidate = local.astimezone(UTC)
    if candidate.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return candidate
    # Inside a spring-forward gap: the transition lies between the two readings of the
    # wall time (fold=1 is before it, fold=0 after); bisect down to the microsecond.
    low = local.replace(fold=1).astimezone(UTC)
    high = candidate
    before = low.astimezone(zone).utcoffset()
    while high - low > _MICROSECOND:
        middle = low + (high - low) // 2
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    return high


def _local_date(calendar: BusinessCalendar, at: datetime) -> date:
    return at.astimezone(calendar.zone).date()
