"""The time window of a report: ``from``/``to`` as dates (whole local days, ``to``
inclusive) or as instants (``to`` exclusive)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

MAX_DAYS = 731
DEFAULT_DAYS = 30


class WindowInvalid(ValueError):
    """Bad ``from``/``to``: problems by parameter name."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("invalid report window: " + ", ".join(sorted(problems)))
        self.problems = problems


def parse_bound(text: str, tz: tzinfo, *, is_end: bool) -> datetime:
    """A date means the start of that local day (the end bound: the start of the next day,
    so ``to=2026-11-22`` includes the 22nd); a date-time without offset is local time."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if is_end:
                day += timedelta(days=1)
            return datetime.combine(day, time(), tz)
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("must be a date (2026-11-22) or an ISO-8601 date-time") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=tz)


def report_window(
    start: str | None, end: str | None, *, tz: tzinfo, now: datetime
) -> tuple[datetime, datetime]:
    """``[from, to)`` from the query; by default the last 30 days up to now."""
    problems: dict[str, str] = {}
    bounds: dict[str, datetime] = {}
    for name, text, is_end in (("from", start, False), ("to", end, True)):
        if text:
            try:
                bounds[name] = parse_bound(text.strip(), tz, is_end=is_end)
            except ValueError as exc:
                problems[name] = str(exc)
    if problems:
        raise WindowInvalid(problems)
    stop = bounds.get("to", now)
    begin = bounds.get("from", stop - timedelta(days=DEFAULT_DAYS))
    if begin >= stop:
        raise WindowInvalid({"from": "must be before to"})
    if stop - begin > timedelta(days=MAX_DAYS):
        raise WindowInvalid({"to": f"the window may span at most {MAX_DAYS} days"})
    return begin, stop
