"""Settings of the feedback service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from closeloop_shared.settings import ServiceSettings, service_port


class FeedbackSettings(ServiceSettings):
    """Feedback: notifications, satisfaction surveys and reports."""

    service_name: str = "feedback"
    port: int = service_port("feedback", 8004)
