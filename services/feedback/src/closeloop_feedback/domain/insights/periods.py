"""Reporting periods of the service report: a year (``2026``), a half (``2026-H2``), a
quarter (``2026-Q4``) or a month (``2026-11``), and the buckets its charts plot."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]|\d{2}))?$")


class Bucket(StrEnum):
    """The step of a chart's time axis."""

    week = "week"
    month = "month"


@dataclass(frozen=True)
class ReportPeriod:
    """``[start, end)`` in local days, with its label and the chart bucket."""

    label: str
    start: date
    end: date
    bucket: Bucket

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def parse_period(text: str) -> ReportPeriod:
    """The period a label names; ValueError says which labels are understood."""
    match = _PERIOD.match(text.strip())
    if not match:
        raise ValueError("period must look like 2026, 2026-H2, 2026-Q4 or 2026-11")
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        return ReportPeriod(text, date(year, 1, 1), date(year + 1, 1, 1), Bucket.month)
    if part.startswith("H"):
        first = 1 + 6 * (int(part[1]) - 1)
        months = 6
    elif part.startswith("Q"):
        first = 1 + 3 * (int(part[1]) - 1)
        months = 3
    else:
        first, months = int(part), 1
        if not 1 <= first <= 12:
            raise ValueError("month must be 01 to 12")
    start, end = _month_start(year, first), _month_start(year, first + months)
    bucket = Bucket.week if months <= 3 else Bucket.month
    return ReportPeriod(f"{year}-{part}", start, end, bucket)


def buckets(period: ReportPeriod) -> list[tuple[str, date, date]]:
    """``(label, start, end)`` of the chart buckets covering the period: ISO weeks (clipped
    to the period, labelled by their first day) or months."""
    out: list[tuple[str, date, date]] = []
    cursor = period.start
    while cursor < period.end:
        if period.bucket is Bucket.week:
            following = cursor + timedelta(days=7 - cursor.weekday())
            label = cursor.isoformat()
        else:
            following = _month_start(cursor.year, cursor.month + 1)
            label = f"{cursor.year}-{cursor.month:02d}"
        stop = min(following, period.end)
        out.append((label, cursor, stop))
        cursor = stop
    return out
