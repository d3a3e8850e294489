"""A local calendar day as an instant range, in the report's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo


@dataclass(frozen=True)
class DayWindow:
    """``[start, end)`` of local day ``day``."""

    day: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, day: date, tz: tzinfo) -> DayWindow:
        start = datetime.combine(day, time(), tz)
        end = datetime.combine(day + timedelta(days=1), time(), tz)
        return cls(day, start, end)

    def __contains__(self, instant: datetime | None) -> bool:
        return instant is not None and self.start <= instant < self.end

    def shifted(self, days: int, tz: tzinfo) -> DayWindow:
        """The window ``days`` days later (negative: earlier)."""
        return DayWindow.of(self.day + timedelta(days=days), tz)


def local_day(instant: datetime, tz: tzinfo) -> date:
    """The calendar day of an instant in ``tz``."""
    return instant.astimezone(tz).date()
