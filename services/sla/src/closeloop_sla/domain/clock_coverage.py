"""Deadlines that run past the holidays a calendar knows.

A calendar generated for 2026 and 2027 treats New Year's Day 2028 as a working day. A
deadline computed into such days is still a deadline (the clock keeps running), but the
operator must learn of it: each new deadline past ``covered_until`` becomes a
:class:`CoverageGap`, which the service announces (event, metric, log line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from closeloop_sla.domain import clock_effects as fx
from closeloop_sla.domain.calendar import BusinessCalendar, beyond_coverage
from closeloop_sla.domain.complaint_clocks import ComplaintClocks

# Effects that set a new deadline (warnings and breaches only report an existing one).
_NEW_DEADLINE = (fx.ClockStarted, fx.ClockResumed, fx.ClockExtended, fx.ClockRetargeted)


@dataclass(frozen=True, slots=True)
class CoverageGap:
    """``effect`` set a deadline after ``covered_until`` of calendar version ``calendar``."""

    effect: fx.ClockEffect
    calendar: str
    deadline: datetime
    covered_until: date


def coverage_gaps(
    effects: Iterable[fx.ClockEffect],
    state: ComplaintClocks,
    calendar_of: Callable[[str], BusinessCalendar],
) -> list[CoverageGap]:
    """The effects among ``effects`` whose new deadline lies past their calendar's coverage."""
    gaps: list[CoverageGap] = []
    for effect in effects:
        deadline = getattr(effect, "deadline", None)
        clock = state.clock(effect.kind)
        if not isinstance(effect, _NEW_DEADLINE) or deadline is None or clock is None:
            continue
        calendar = calendar_of(clock.calendar)
        local_day = deadline.astimezone(calendar.zone).date()
        if calendar.covered_until is not None and beyond_coverage(calendar, local_day):
            gaps.append(CoverageGap(effect, clock.calendar, deadline, calendar.covered_until))
    return gaps
