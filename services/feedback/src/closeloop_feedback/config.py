"""Settings of the feedback service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from pydantic import Field

from closeloop_feedback.domain.retry import RetryPolicy
from closeloop_feedback.domain.survey import SurveyPolicy
from closeloop_feedback.insights.settings import InsightsSettings
from closeloop_shared.settings import service_port

DEV_SURVEY_SECRET = "closeloop-development-survey-secret"  # noqa: S105 - dev only
DAY_S = 86400.0


class FeedbackSettings(InsightsSettings):
    """Feedback: notifications, satisfaction surveys and reports."""

    service_name: str = "feedback"
    port: int = service_port("feedback", 8004)

    # Outgoing e-mail (development: the SMTP sink of contract.md).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_timeout_s: float = Field(default=10, gt=0)
    smtp_from: str = "Closeloop <no-reply@closeloop.local>"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    # SMS goes to this HTTP webhook; empty: SMS becomes a callback task for an agent.
    sms_webhook_url: str = ""
    sms_webhook_timeout_s: float = Field(default=5, gt=0)

    feedback_public_url: str = "http://127.0.0.1:8004"
    survey_secret: str = DEV_SURVEY_SECRET
    survey_delay_s: float = Field(default=0, ge=0)
    survey_reminder_after_s: float = Field(default=2 * DAY_S, gt=0)
    survey_expire_after_s: float = Field(default=5 * DAY_S, gt=0)
    survey_rate_per_token: int = Field(default=5, ge=1, description="burst per survey link")
    survey_rate_per_minute: float = Field(default=10, gt=0)

    notify_max_attempts: int = Field(default=12, ge=1)
    notify_backoff_base_s: float = Field(default=2, gt=0)
    notify_backoff_max_s: float = Field(default=600, gt=0)
    notify_lease_s: float = Field(default=60, gt=0, description="a crashed send is retried after")
    worker_poll_s: float = Field(default=0.5, gt=0)
    delay_notice_clocks: list[str] = ["initial_solution", "resolution"]

    csat_window_days: int = Field(default=30, ge=1)
    csat_refresh_s: float = Field(default=30, gt=0)

    @property
    def survey_policy(self) -> SurveyPolicy:
        return SurveyPolicy(
            delay=timedelta(seconds=self.survey_delay_s),
            reminder_after=timedelta(seconds=self.survey_reminder_after_s),
            expire_after=timedelta(seconds=self.survey_expire_after_s),
        )

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            self.notify_max_attempts, self.notify_backoff_base_s, self.notify_backoff_max_s
        )

    @property
    def tz(self) -> ZoneInfo:
        return self.report_zone  # one report time zone: CLOSELOOP_REPORT_TZ

    def check_production(self) -> list[str]:
        problems = super().check_production()
        if not self.development and self.survey_secret == DEV_SURVEY_SECRET:
            problems.append("CLOSELOOP_SURVEY_SECRET must be set to a secret")
        return problems
