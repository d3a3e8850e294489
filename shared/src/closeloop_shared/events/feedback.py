"""Events the feedback service publishes on ``feedback.events.v1``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from closeloop_shared.events.common import ComplaintEvent
from closeloop_shared.events.envelope import EventData
from closeloop_shared.events.registry import event_type
from closeloop_shared.topics import FEEDBACK_EVENTS

T = FEEDBACK_EVENTS.name


@event_type("closeloop.feedback.notification.sent.v1", topic=T)
class NotificationSent(ComplaintEvent):
    """The customer was told something, through their channel."""

    channel: Literal["email", "sms", "phone_callback", "webhook"]
    template: str
    attempts: int = 1


@event_type("closeloop.feedback.notification.failed.v1", topic=T)
class NotificationFailed(ComplaintEvent):
    """A notification failed permanently after retries; it is recorded, not dropped."""

    channel: str
    template: str
    attempts: int
    error: str


@event_type("closeloop.feedback.survey.sent.v1", topic=T)
class SurveySent(ComplaintEvent):
    """A satisfaction callback survey was sent (``reminder`` for the one reminder)."""

    survey_id: str
    expires_at: datetime
    reminder: bool = False


@event_type("closeloop.feedback.survey.answered.v1", topic=T)
class SurveyAnswered(ComplaintEvent):
    """The customer (or an agent on their behalf) answered the survey."""

    survey_id: str
    score: int
    solved: bool
    via: Literal["web", "phone"] = "web"
    department: str | None = None


@event_type("closeloop.feedback.survey.expired.v1", topic=T)
class SurveyExpired(ComplaintEvent):
    """No answer after the reminder; the survey expired."""

    survey_id: str


@event_type("closeloop.feedback.complaint.dissatisfied.v1", topic=T)
class CustomerDissatisfied(ComplaintEvent):
    """Score ≤ 2 or "not solved": intake reopens the complaint."""

    survey_id: str
    score: int
    solved: bool


@event_type("closeloop.feedback.report.daily_ready.v1", topic=T)
class DailyReportReady(EventData):
    """The daily report for ``date`` is ready at ``path`` on the feedback API."""

    date: date
    path: str
    complaints: int
