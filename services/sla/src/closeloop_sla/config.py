"""Settings of the sla service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from closeloop_shared.settings import ServiceSettings, service_port


class SlaSettings(ServiceSettings):
    """SLA: policies, business calendars and one clock set per complaint."""

    service_name: str = "sla"
    port: int = service_port("sla", 8003)
