"""Safe defaults: production is the default environment, and development keys and secrets
work only with ``CLOSELOOP_ENV=development``. Each of the five services, started the way a
deployment starts it but without ``CLOSELOOP_ENV``, refuses to start with a message naming
every development key it would have used."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from closeloop_audit.config import AuditSettings
from closeloop_feedback.config import FeedbackSettings
from closeloop_intake.config import DEV_WEBHOOK_SECRET, IntakeSettings
from closeloop_routing.config import RoutingSettings
from closeloop_shared.auth import Role, TokenVerifier, issue_dev_token
from closeloop_shared.http.errors import ApiError
from closeloop_shared.settings import ServiceSettings
from closeloop_sla.config import SlaSettings

CLOSELOOP_CLI = str(Path(sys.executable).parent / "closeloop")
SHARED_DEV_KEYS = ("CLOSELOOP_JWT_MODE=jwks", "CLOSELOOP_PII_KEY", "CLOSELOOP_PSEUDONYM_KEY")
OWN_DEV_KEYS = {
    "intake": (),
    "routing": (),
    "sla": (),
    "feedback": ("SURVEY_SECRET",),
    "audit": ("AUDIT_SIGNING_KEY",),
}
PRODUCTION_KEYS: dict[str, Any] = {
    "jwt_mode": "jwks",
    "jwt_jwks_url": "https://idp.example/jwks.json",
    "pii_key": "cHJvZHVjdGlvbi1waWkta2V5LTMyLWJ5dGVzLW9rIQ==",
    "pseudonym_key": "a-production-pseudonym-key",
}


def _without_env() -> dict[str, str]:
    """The test process's environment less every CLOSELOOP_ variable (the conftest sets
    development), pointing at ports where nothing listens."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOSELOOP_")}
    env |= {
        "CLOSELOOP_KAFKA_BOOTSTRAP": "127.0.0.1:9",
        "CLOSELOOP_MONGO_URI": "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500",
    }
    return env


@pytest.mark.parametrize("service", sorted(OWN_DEV_KEYS))
def test_each_service_refuses_to_start_with_development_keys_by_default(service: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", f"closeloop_{service}"],
        env=_without_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("refusing to start with CLOSELOOP_ENV=production"), proc.stderr
    for key in SHARED_DEV_KEYS + OWN_DEV_KEYS[service]:
        assert key in message
    assert "only with CLOSELOOP_ENV=development" in message


@pytest.mark.parametrize(
    "settings_type",
    [IntakeSettings, RoutingSettings, SlaSettings, FeedbackSettings, AuditSettings],
)
def test_production_is_the_default_and_development_accepts_the_dev_keys(
    settings_type: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLOSELOOP_ENV")
    assert settings_type().env == "production"
    assert settings_type().check_production()
    assert settings_type(env="test").check_production()  # not only "production" refuses
    assert settings_type(env="development").check_production() == []


def test_configured_secrets_pass_and_each_dev_secret_alone_is_refused() -> None:
    own: dict[str, Any] = {
        "survey_secret": "a-production-survey-secret",
        "audit_signing_key": "cHJvZHVjdGlvbi1hdWRpdC1zaWduaW5nLWtleS0zMiE=",
    }
    blind: dict[str, Any] = {"blind_index_key": "a-production-blind-index-key"}
    assert IntakeSettings(env="production", **PRODUCTION_KEYS, **blind).check_production() == []
    assert FeedbackSettings(env="production", **PRODUCTION_KEYS, **own).check_production() == []
    assert AuditSettings(env="production", **PRODUCTION_KEYS, **own).check_production() == []
    for name in PRODUCTION_KEYS:
        partial: dict[str, Any] = {k: v for k, v in PRODUCTION_KEYS.items() if k != name}
        assert RoutingSettings(env="production", **partial).check_production(), name
    webhook = IntakeSettings(
        env="production", **PRODUCTION_KEYS, **blind, webhook_secrets={"crm": DEV_WEBHOOK_SECRET}
    )
    assert any("WEBHOOK_SECRETS" in p for p in webhook.check_production())


def test_the_dev_webhook_secret_and_dev_tokens_work_only_in_development() -> None:
    dev, prod = IntakeSettings(env="development"), IntakeSettings(env="production")
    assert dev.webhook_secret("crm") == DEV_WEBHOOK_SECRET
    assert prod.webhook_secret("crm") is None
    token = issue_dev_token(dev, role=Role.agent, sub="agent-1")
    assert TokenVerifier(dev).verify(token).sub == "agent-1"
    with pytest.raises(ApiError) as refused:
        TokenVerifier(prod).verify(token)
    assert refused.value.status == 401 and "CLOSELOOP_ENV=development" in refused.value.message


def test_the_token_command_refuses_outside_development() -> None:
    env = _without_env()
    refused = subprocess.run(
        [CLOSELOOP_CLI, "token", "--role", "agent"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    issued = subprocess.run(
        [CLOSELOOP_CLI, "token", "--role", "agent"],
        env=env | {"CLOSELOOP_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2 and "CLOSELOOP_ENV=development" in refused.stdout
    assert issued.returncode == 0 and issued.stdout.count(".") == 2  # a JWT
