"""The scheduled daily report: every day at ``CLOSELOOP_REPORT_DAILY_AT`` (local time in
``CLOSELOOP_REPORT_TZ``) the report of the day before is built, kept and announced. After
a restart the job first catches up the most recent day it missed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from closeloop_feedback.domain.insights.schedule import latest_run_at, next_run_at, reported_day
from closeloop_feedback.insights.daily_report import DailyReports, publish_daily_report
from closeloop_feedback.insights.settings import InsightsSettings
from closeloop_shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)
Now = Callable[[], datetime]


def insights_settings(runtime: ServiceRuntime) -> InsightsSettings:
    """The runtime's settings, which must include the insights settings."""
    settings = runtime.settings
    if not isinstance(settings, InsightsSettings):
        raise TypeError("the service settings must inherit InsightsSettings")
    return settings


def _utc_now() -> datetime:
    return datetime.now(UTC)


def due_day(now: datetime, settings: InsightsSettings) -> date:
    """The day the most recent scheduled run reports on."""
    tz = settings.report_zone
    return reported_day(latest_run_at(now, settings.report_daily_time, tz), tz)


async def run_due_report(runtime: ServiceRuntime, now: datetime) -> bool:
    """Publish the report of the latest scheduled run if nobody has; True if published."""
    settings = insights_settings(runtime)
    day = due_day(now, settings)
    report = await publish_daily_report(runtime.db, runtime.producer, settings, day, now=now)
    if report is not None:
        log.info(
            "daily report published",
            extra={"day": day.isoformat(), "complaints": report["volume"]["total"]},
        )
    return report is not None


async def daily_job(runtime: ServiceRuntime, *, now: Now = _utc_now) -> None:
    """Run forever: publish the due report, then sleep until the next run. While the due
    report is not published (another replica holds the claim, or a failed attempt's lease
    has to expire) check again every ``report_job_poll_s``."""
    settings = insights_settings(runtime)
    if not settings.report_daily_enabled:
        return
    reports = DailyReports(runtime.db)
    poll = timedelta(seconds=settings.report_job_poll_s)
    while True:
        day = due_day(now(), settings)
        if not await reports.published(day):
            await run_due_report(runtime, now())
        if await reports.published(day):
            wake = next_run_at(now(), settings.report_daily_time, settings.report_zone)
        else:
            wake = now() + poll
        await _sleep_until(wake, now, settings.report_job_poll_s)


async def _sleep_until(wake: datetime, now: Now, poll_s: float) -> None:
    while True:
        remaining = (wake - now()).total_seconds()
        if remaining <= 0:
            return
        await asyncio.sleep(min(remaining, poll_s))


def daily_job_task(runtime: ServiceRuntime) -> Callable[[], Awaitable[None]]:
    """``daily_job`` as a named background task for ``runtime.background``."""

    async def insights_daily_report() -> None:
        await daily_job(runtime)

    return insights_daily_report
