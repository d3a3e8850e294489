"""Settings of the console (environment variables ``CLOSELOOP_*``)."""

from __future__ import annotations

from pydantic import Field

from closeloop_shared.settings import ServiceSettings, service_port

DEV_SESSION_SECRET = "closeloop-development-console-session-key"  # noqa: S105 - dev only


class ConsoleSettings(ServiceSettings):
    """The console owns no business data: it calls the five services with the user's token."""

    service_name: str = "console"
    port: int = service_port("console", 8000)

    # Where the five services answer (the devstack's defaults).
    intake_url: str = "http://127.0.0.1:8001"
    routing_url: str = "http://127.0.0.1:8002"
    sla_url: str = "http://127.0.0.1:8003"
    feedback_url: str = "http://127.0.0.1:8004"
    audit_url: str = "http://127.0.0.1:8005"
    upstream_timeout_s: float = Field(default=10, gt=0)
    # How long a service's published OpenAPI is trusted to tell which endpoints exist.
    capability_ttl_s: float = Field(default=30, gt=0)

    # Signed session cookie.
    session_secret: str = DEV_SESSION_SECRET
    session_max_age_s: int = Field(default=12 * 3600, ge=60)
    cookie_secure: bool = False

    # Live updates from sla.events.v1 (read only, no consumer group: every console sees all).
    live_updates: bool = True

    # OpenID Connect (production sign-in): authorization code with PKCE.
    oidc_metadata_url: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_redirect_url: str = ""
    oidc_scope: str = "openid profile email"

    default_locale: str = "zh-CN"

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_metadata_url and self.oidc_client_id and self.oidc_redirect_url)

    @property
    def dev_sign_in(self) -> bool:
        """The dev sign-in page exists only in development."""
        return self.development

    def check_production(self) -> list[str]:
        """The console holds no PII key, so only the token, session and OIDC checks apply
        (outside development, like every service)."""
        if self.development:
            return []
        problems = self.token_problems()
        if self.session_secret == DEV_SESSION_SECRET:
            problems.append("CLOSELOOP_SESSION_SECRET must be set to a secret")
        if not self.oidc_configured:
            problems.append(
                "OpenID Connect is required: CLOSELOOP_OIDC_METADATA_URL, "
                "CLOSELOOP_OIDC_CLIENT_ID and CLOSELOOP_OIDC_REDIRECT_URL"
            )
        if not self.cookie_secure:
            problems.append("CLOSELOOP_COOKIE_SECURE=true is required (HTTPS only cookies)")
        return problems
