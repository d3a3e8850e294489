"""Settings of the audit service (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

import base64
import hashlib

from pydantic import Field

from closeloop_shared.settings import ServiceSettings, service_port

# Development-only signing seed. Production refuses to start with it (see check_production).
DEV_AUDIT_SIGNING_KEY = base64.b64encode(
    hashlib.sha256(b"closeloop-development-audit-signing-key").digest()
).decode()


class AuditSettings(ServiceSettings):
    """Audit: the append-only, hash-chained audit log and signed checkpoints."""

    service_name: str = "audit"
    port: int = service_port("audit", 8005)

    audit_signing_key: str = Field(
        default=DEV_AUDIT_SIGNING_KEY,
        description="base64 of the raw 32-byte Ed25519 seed that signs checkpoints",
    )
    audit_retired_public_keys: list[str] = Field(
        default_factory=list,
        description="base64 public keys of earlier signing keys, still trusted for verification",
    )
    audit_checkpoint_every: int = Field(default=1000, ge=1, description="entries per checkpoint")
    audit_checkpoint_interval_s: float = Field(
        default=10, gt=0, description="sign a checkpoint at least this often if entries are new"
    )
    audit_verify_interval_s: float = Field(
        default=60, gt=0, description="pause between two background verifications of the log"
    )
    audit_full_verify_interval_s: float = Field(
        default=3600,
        gt=0,
        description="a background verification reads the whole log again at least this often;"
        " the others continue from the last verified checkpoint",
    )
    audit_dlq_poll_interval_s: float = Field(default=15, gt=0)
    audit_consumer_group: str = Field(
        default="audit-log", description="one group: the log is a single sequence"
    )

    def check_production(self) -> list[str]:
        """Problems that make this configuration unsafe for production."""
        problems = super().check_production()
        if not self.development and self.audit_signing_key == DEV_AUDIT_SIGNING_KEY:
            problems.append("CLOSELOOP_AUDIT_SIGNING_KEY must be set to a secret Ed25519 seed")
        return problems
