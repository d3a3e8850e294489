"""Settings of the insights part of feedback. ``FeedbackSettings`` inherits them, so they
read the same ``CLOSELOOP_*`` environment: ``CLOSELOOP_REPORT_DAILY_AT=00:10`` and
``CLOSELOOP_REPORT_TZ=Asia/Shanghai`` schedule the daily report job."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator, model_validator

from closeloop_feedback.domain.insights.schedule import parse_time_of_day
from closeloop_shared.settings import ServiceSettings


class InsightsSettings(ServiceSettings):
    """Daily report schedule and analysis knobs."""

    report_tz: str = Field(
        default="Asia/Shanghai",
        validation_alias=AliasChoices(
            "CLOSELOOP_REPORT_TZ", "CLOSELOOP_REPORT_TIMEZONE", "report_tz"
        ),
        description="time zone of report days (IANA name)",
    )
    report_daily_at: str = Field(
        default="00:10", description="local time (HH:MM) the daily report of the day before runs"
    )
    report_daily_enabled: bool = True
    report_repeat_window_days: int = Field(
        default=30, ge=1, description="a complainant is a repeat one within this many days"
    )
    report_top: int = Field(default=10, ge=1, le=100, description="rows in top lists")
    report_job_poll_s: float = Field(
        default=60, gt=0, description="the job re-checks the clock at least this often"
    )
    # A report over a window of thousands of complaints takes a second or more to compute;
    # pages ask for it on every load (see closeloop_shared.snapshots).
    report_fresh_s: float = Field(
        default=15,
        ge=0,
        description="a computed report (daily, KPI) is served as is for this long (0: always "
        "recompute)",
    )
    report_stale_s: float = Field(
        default=300,
        ge=0,
        description="an older report, up to this age, is served while a new one is computed in "
        "the background; past it the caller waits for the new one",
    )

    @model_validator(mode="after")
    def _stale_after_fresh(self) -> InsightsSettings:
        if self.report_stale_s < self.report_fresh_s:
            raise ValueError("report_stale_s must be at least report_fresh_s")
        return self

    @field_validator("report_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("report_daily_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        parse_time_of_day(value)
        return value

    @property
    def report_zone(self) -> ZoneInfo:
        return ZoneInfo(self.report_tz)

    @property
    def report_daily_time(self) -> time:
        return parse_time_of_day(self.report_daily_at)
