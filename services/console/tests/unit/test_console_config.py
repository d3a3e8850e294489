"""Production refuses to start without OpenID Connect, a session secret and JWKS."""

from __future__ import annotations

from closeloop_console.config import ConsoleSettings
from closeloop_console.entrypoints.web.signin import safe_next


def test_production_without_oidc_is_refused() -> None:
    problems = ConsoleSettings(env="production").check_production()
    text = "; ".join(problems)
    assert "OpenID Connect is required" in text
    assert "CLOSELOOP_SESSION_SECRET" in text
    assert "CLOSELOOP_JWT_JWKS_URL" in text


def test_production_with_everything_configured_starts() -> None:
    settings = ConsoleSettings(
        env="production",
        jwt_mode="jwks",
        jwt_jwks_url="https://idp.example/jwks",
        session_secret="s3cret-s3cret-s3cret",
        oidc_metadata_url="https://idp.example/.well-known/openid-configuration",
        oidc_client_id="console",
        oidc_redirect_url="https://console.example/signin/callback",
        cookie_secure=True,
    )
    assert settings.check_production() == []
    assert not settings.dev_sign_in


def test_development_has_dev_sign_in() -> None:
    assert ConsoleSettings(env="development").dev_sign_in
    assert ConsoleSettings(env="development").check_production() == []


def test_sign_in_redirects_only_within_the_site() -> None:
    assert safe_next("/complaints/1") == "/complaints/1"
    for hostile in ("//evil.example/", "https://evil.example/", "/\\evil", "", None):
        assert safe_next(hostile) == "/"
