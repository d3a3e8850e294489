"""Settings of the feedback service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import Field

from closeloop_feedback.adapters.im_webhook import ImPlatform, ImWebhook
from closeloop_feedback.domain.retry import RetryPolicy
from closeloop_feedback.domain.staff_notices import WorkingHours
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
    # The gateway's API key: sent as "Authorization: Bearer <key>", and the key that signs
    # its delivery receipts (POST /v1/sms/receipts, X-Closeloop-Signature: sha256=<hex>).
    sms_provider_key: str = ""

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

    # Staff notifications (domain.staff_notices). Chat webhooks per department, e.g.
    # CLOSELOOP_STAFF_IM_WEBHOOKS='{"billing": {"platform": "dingtalk", "url": "https://oapi.
    # dingtalk.com/robot/send?access_token=…", "secret": "SEC…"}}' (wecom | dingtalk | slack).
    staff_im_webhooks: dict[str, dict[str, str]] = {}
    staff_im_timeout_s: float = Field(default=5, gt=0)
    # Routing events older than this tell nobody (a new consumer group reads history).
    staff_notify_max_age_s: float = Field(default=DAY_S, gt=0)
    # Working hours of departments whose directory entry names none.
    staff_working_hours: dict[str, Any] = {
        "timezone": "Asia/Shanghai",
        "days": [1, 2, 3, 4, 5],
        "start": "09:00",
        "end": "18:00",
    }

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
    def staff_default_hours(self) -> WorkingHours:
        h = self.staff_working_hours
        return WorkingHours.parse(h["timezone"], h["days"], h["start"], h["end"])

    @property
    def staff_webhooks(self) -> dict[str, ImWebhook]:
        return {
            department: ImWebhook(
                ImPlatform(spec["platform"]),
                spec["url"],
                spec.get("secret", ""),
                timeout_s=self.staff_im_timeout_s,
            )
            for department, spec in self.staff_im_webhooks.items()
        }

    @property
    def tz(self) -> ZoneInfo:
        return self.report_zone  # one report time zone: CLOSELOOP_REPORT_TZ

    def check_production(self) -> list[str]:
        problems = super().check_production()
        if not self.development and self.survey_secret == DEV_SURVEY_SECRET:
            problems.append("CLOSELOOP_SURVEY_SECRET must be set to a secret")
        return problems
