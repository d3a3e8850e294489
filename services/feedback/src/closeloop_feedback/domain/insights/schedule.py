"""When the daily report job runs: every day at a local time of day (e.g. 00:10 in
Asia/Shanghai), reporting on the day before."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo


def parse_time_of_day(text: str) -> time:
    """``HH:MM`` (24-hour) as a time; ValueError names the expected shape."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"time of day must look like 00:10, not {text!r}") from None


def latest_run_at(now: datetime, at: time, tz: tzinfo) -> datetime:
    """The most recent scheduled instant at or before ``now``."""
    local = now.astimezone(tz)
    today = datetime.combine(local.date(), at, tz)
    return today if today <= now else datetime.combine(local.date() - timedelta(days=1), at, tz)


def next_run_at(now: datetime, at: time, tz: tzinfo) -> datetime:
    """The first scheduled instant after ``now``."""
    local = now.astimezone(tz)
    today = datetime.combine(local.date(), at, tz)
    return today if today > now else datetime.combine(local.date() + timedelta(days=1), at, tz)


def reported_day(run_at: datetime, tz: tzinfo) -> date:
    """The day a run reports on: the local day before the run."""
    return run_at.astimezone(tz).date() - timedelta(days=1)
