"""Settings of the routing service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from closeloop_shared.settings import ServiceSettings, service_port


class RoutingSettings(ServiceSettings):
    """Routing: departments, rules, assignment, transfer and escalation."""

    service_name: str = "routing"
    port: int = service_port("routing", 8002)
