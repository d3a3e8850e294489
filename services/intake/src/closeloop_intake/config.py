"""Settings of the intake service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from closeloop_shared.settings import ServiceSettings, service_port


class IntakeSettings(ServiceSettings):
    """Intake: every channel, a complete record, the complaint lifecycle."""

    service_name: str = "intake"
    port: int = service_port("intake", 8001)
