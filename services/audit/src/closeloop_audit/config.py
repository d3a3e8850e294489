"""Settings of the audit service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from closeloop_shared.settings import ServiceSettings, service_port


class AuditSettings(ServiceSettings):
    """Audit: the append-only, hash-chained audit log and signed checkpoints."""

    service_name: str = "audit"
    port: int = service_port("audit", 8005)
