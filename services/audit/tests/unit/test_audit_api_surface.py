"""The audit service's contract surface: its routes, topics and production settings."""

from __future__ import annotations

import base64
import os

from closeloop_audit.bootstrap import bootstrap
from closeloop_audit.config import AuditSettings
from closeloop_audit.entrypoints.consumers import CONSUMED_TOPICS, DLQ_TOPICS
from closeloop_shared.topics import all_topics


def test_every_contract_route_is_served() -> None:
    app, _ = bootstrap(AuditSettings())
    paths = set(app.openapi()["paths"])
    assert {
        "/v1/audit/complaints/{complaint_id}",
        "/v1/audit/verify",
        "/v1/audit/checkpoints/latest",
        "/v1/audit/checkpoints",
        "/v1/audit/proofs/{seq}",
        "/v1/audit/proofs/consistency",
        "/v1/audit/public-key",
    } <= paths


def test_every_topic_but_its_own_checkpoints_is_logged() -> None:
    names = {t.name for t in all_topics()}
    assert set(CONSUMED_TOPICS) == names - {"audit.checkpoints"}
    assert "complaints.public.v1" in CONSUMED_TOPICS
    assert DLQ_TOPICS and all(name.endswith(".dlq") for name in DLQ_TOPICS)


def test_production_refuses_the_development_signing_key() -> None:
    settings = AuditSettings(env="production")
    assert any("AUDIT_SIGNING_KEY" in p for p in settings.check_production())
    own_key = base64.b64encode(os.urandom(32)).decode()
    fixed = AuditSettings(env="production", audit_signing_key=own_key)
    assert not any("AUDIT_SIGNING_KEY" in p for p in fixed.check_production())
