"""Settings shared by every service. Each knob has a default and an environment variable.

Variables are prefixed ``CLOSELOOP_``: e.g. ``CLOSELOOP_KAFKA_BOOTSTRAP``. A service's own
settings subclass :class:`ServiceSettings` and add fields; the HTTP port of a service reads
``CLOSELOOP_<SERVICE>_PORT`` (e.g. ``CLOSELOOP_INTAKE_PORT``) so one environment file can
configure all five services at once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only defaults: they work only with CLOSELOOP_ENV=development; in any other
# environment (production is the default) a service refuses to start with them
# (see `check_production`).
DEV_JWT_SECRET = "closeloop-development-signing-key-not-for-production"  # noqa: S105 - dev only
DEV_PII_KEY = "Y2xvc2Vsb29wLWRldi1waWkta2V5LTMyLWJ5dGVzISE="  # 32 bytes, base64
DEV_PSEUDONYM_KEY = "closeloop-development-pseudonym-key"


class ServiceSettings(BaseSettings):
    """Settings every service has. Subclass per service and set ``service_name``."""

    model_config = SettingsConfigDict(
        env_prefix="CLOSELOOP_", extra="ignore", populate_by_name=True
    )

    service_name: str = "closeloop"
    # Production unless said otherwise: a deployment that forgets CLOSELOOP_ENV must not
    # accept the public development keys. `make run` and the tests set development.
    env: Literal["development", "test", "production"] = "production"
    log_level: str = "INFO"
    gc_freeze: bool = Field(
        default=True,
        description="exempt the start-up heap from full garbage-collector passes (see heap.py)",
    )
    http_host: str = "127.0.0.1"
    # Proxies whose X-Forwarded-For/-Proto are believed (addresses or CIDR networks, comma-
    # separated, "*" for any): the ingress or reverse proxy in front, never the internet.
    forwarded_allow_ips: str = "127.0.0.1"
    port: int = 8000

    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_client_id_prefix: str = "closeloop"
    topic_partitions: int = Field(default=6, ge=1, description="partitions for new topics")
    topic_replication: int = Field(default=1, ge=1)
    provision_topics: bool = True
    startup_timeout_s: float = Field(default=120, gt=0)

    mongo_uri: str = "mongodb://127.0.0.1:27017"
    mongo_db_prefix: str = "closeloop_"
    mongo_heartbeat_ms: int = Field(
        default=1000, ge=500, description="how often the database server is checked"
    )
    database_retry_after_s: int = Field(
        default=5, ge=1, description="Retry-After of a 503 while the database is down"
    )

    consumer_max_retries: int = Field(default=3, ge=0)
    consumer_retry_backoff_s: float = Field(default=0.2, gt=0)
    consumer_batch_size: int = Field(default=200, ge=1)
    consumer_transient_retry_s: float = Field(
        default=120, gt=0, description="a record failing on an outage is dead-lettered after"
    )
    consumer_dlq_send_attempts: int = Field(default=5, ge=1)
    consumer_stall_after_s: float = Field(
        default=300, gt=0, description="liveness fails when a consumer with work is stuck"
    )

    jwt_mode: Literal["dev", "jwks"] = "dev"
    jwt_dev_secret: str = DEV_JWT_SECRET
    jwt_jwks_url: str = ""
    jwt_jwks_cache_s: float = Field(default=300, gt=0, description="JWKS kept this long")
    jwt_jwks_refresh_cooldown_s: float = Field(
        default=30, ge=0, description="an unknown kid refetches the JWKS at most this often"
    )
    jwt_jwks_timeout_s: float = Field(default=5, gt=0)
    jwt_issuer: str = "closeloop"
    jwt_audience: str = "closeloop"

    pii_key: str = DEV_PII_KEY
    pseudonym_key: str = DEV_PSEUDONYM_KEY

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # No API body nests deeper than a handful of levels; the parser recurses per level.
    max_json_depth: int = Field(default=64, ge=2, le=500)

    # Per subject (JWT sub) and service; "" turns a limit off. People never reach these in
    # real use (a page load is a handful of calls); integrations (role channel) post for
    # many customers at once.
    rate_limit: str = "100/second;3000/minute"
    rate_limit_channel: str = "2000/second"
    rate_limit_storage_uri: str = "memory://"

    @property
    def database_name(self) -> str:
        """The service's own MongoDB database: one database per service."""
        return f"{self.mongo_db_prefix}{self.service_name}"

    @property
    def development(self) -> bool:
        """Development keys and secrets work only here (``CLOSELOOP_ENV=development``)."""
        return self.env == "development"

    def token_problems(self) -> list[str]:
        """Outside development, tokens are verified against the identity provider's JWKS."""
        if self.jwt_mode != "jwks" or not self.jwt_jwks_url:
            return [
                "CLOSELOOP_JWT_MODE=jwks and CLOSELOOP_JWT_JWKS_URL are required"
                " (development tokens signed with the dev JWT key are refused)"
            ]
        return []

    def check_production(self) -> list[str]:
        """Problems that make this configuration unsafe outside development (each names
        its variable); a service refuses to start with any of them."""
        if self.development:
            return []
        problems = self.token_problems()
        if self.pii_key == DEV_PII_KEY:
            problems.append("CLOSELOOP_PII_KEY must be set to a secret 32-byte base64 key")
        if self.pseudonym_key == DEV_PSEUDONYM_KEY:
            problems.append("CLOSELOOP_PSEUDONYM_KEY must be set to a secret")
        return problems


__all__ = ["ServiceSettings", "refusal", "service_port"]


def refusal(settings: ServiceSettings, problems: list[str]) -> str:
    """The message a service exits with when ``check_production`` found problems."""
    return (
        f"refusing to start with CLOSELOOP_ENV={settings.env}: "
        + "; ".join(problems)
        + " (development keys work only with CLOSELOOP_ENV=development)"
    )


def service_port(service: str, default: int) -> int:
    """A port field read from ``CLOSELOOP_<SERVICE>_PORT`` (the contract's per-service knob)."""
    field: int = Field(
        default=default,
        validation_alias=AliasChoices(f"CLOSELOOP_{service.upper()}_PORT", "port"),
    )
    return field
