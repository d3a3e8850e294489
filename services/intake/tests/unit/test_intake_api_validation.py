"""Bad requests get a 4xx that names the problem, never a 500, before anything is stored.

These requests are refused before the database is touched, so the app runs here without
its lifespan (no Kafka, no MongoDB).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from closeloop_intake.bootstrap import bootstrap
from closeloop_intake.config import IntakeSettings
from closeloop_shared.auth import Role, TokenVerifier, issue_dev_token

SETTINGS = IntakeSettings(
    inbound_smtp_enabled=False,
    mongo_uri="mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200",
    kafka_bootstrap="127.0.0.1:1",
)
VALID: dict[str, Any] = {
    "channel": "web",
    "kind": "complaint",
    "customer": {"name": "张伟", "phone": "+8613800138000"},
    "description": "账单重复扣费两次",
}


def auth(role: Role, **kw: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_dev_token(SETTINGS, role=role, **kw)}"}


AGENT = auth(Role.agent)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app, _ = bootstrap(SETTINGS)
    app.state.token_verifier = TokenVerifier(SETTINGS)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as c:
        yield c


def fields_of(response: httpx.Response) -> list[str]:
    return [f["field"] for f in response.json().get("fields", [])]


async def test_malformed_json_is_400_naming_the_body(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/complaints",
        content=b'{"channel": "web",',
        headers={**AGENT, "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"] == "malformed_json"
    assert fields_of(r) == ["body"]


async def test_wrong_types_are_422_naming_each_field(client: httpx.AsyncClient) -> None:
    body = {**VALID, "description": 42, "attachments": "none", "occurred_at": "yesterday"}
    r = await client.post("/v1/complaints", json=body, headers=AGENT)
    assert r.status_code == 422
    assert set(fields_of(r)) == {"description", "attachments", "occurred_at"}


async def test_unknown_enum_values_are_named(client: httpx.AsyncClient) -> None:
    body = {**VALID, "channel": "pigeon", "kind": "rant", "severity": "apocalyptic"}
    r = await client.post("/v1/complaints", json=body, headers=AGENT)
    assert r.status_code == 422
    assert set(fields_of(r)) == {"channel", "kind", "severity"}
    assert "phone" in r.text  # the accepted values are listed


async def test_missing_contact_is_422_naming_customer(client: httpx.AsyncClient) -> None:
    body = {**VALID, "customer": {"name": "张伟"}}
    r = await client.post("/v1/complaints", json=body, headers=AGENT)
    assert r.status_code == 422
    assert fields_of(r) == ["customer"]


async def test_configured_limits_and_taxonomy_are_named_together(client: httpx.AsyncClient) -> None:
    body = {**VALID, "demand": "x" * 10_001, "category": "weather"}
    r = await client.post("/v1/complaints", json=body, headers=AGENT)
    assert r.status_code == 422
    assert set(fields_of(r)) == {"demand", "category"}


async def test_unknown_fields_are_named(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/complaints", json={**VALID, "descripton": "typo"}, headers=AGENT)
    assert r.status_code == 422
    assert fields_of(r) == ["descripton"]


async def test_a_ten_megabyte_body_is_413(client: httpx.AsyncClient) -> None:
    big = b'{"description": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    r = await client.post(
        "/v1/complaints", content=big, headers={**AGENT, "content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["error"] == "too_large"


async def test_a_malformed_phone_or_email_is_named(client: httpx.AsyncClient) -> None:
    body = {**VALID, "customer": {"phone": "call me", "email": "not-an-email"}}
    r = await client.post("/v1/complaints", json=body, headers=AGENT)
    assert r.status_code == 422
    assert set(fields_of(r)) == {"customer.phone", "customer.email"}


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/complaints", json=VALID)
    assert r.status_code == 401


async def test_channel_and_auditor_roles_cannot_do_what_they_are_not_for(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/v1/complaints", headers=auth(Role.channel))).status_code == 403
    r = await client.post("/v1/complaints", json=VALID, headers=auth(Role.auditor))
    assert r.status_code == 403


async def test_unknown_action_is_404_listing_the_actions(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/complaints/CMP-1/teleport", json={}, headers=AGENT)
    assert r.status_code == 404
    assert "acknowledge" in r.json()["actions"]


async def test_action_body_problems_are_named(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/complaints/CMP-1/resolve", json={"outcome": "maybe", "extra": 1}, headers=AGENT
    )
    assert r.status_code == 422
    assert set(fields_of(r)) == {"outcome", "basis", "extra"}


async def test_extension_needs_consent_or_legal_basis(client: httpx.AsyncClient) -> None:
    body = {"reason": "complex case", "customer_consented": False, "duration": "P2D"}
    r = await client.post("/v1/complaints/CMP-1/extend", json=body, headers=AGENT)
    assert r.status_code == 422
    assert fields_of(r) == ["customer_consented"]


async def test_a_non_numeric_if_match_is_400(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v1/complaints/CMP-1/acknowledge", json={}, headers={**AGENT, "If-Match": "abc"}
    )
    assert r.status_code == 400
    assert fields_of(r) == ["If-Match"]


async def test_bad_query_parameters_are_named(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/complaints?status=lost&limit=0", headers=AGENT)
    assert r.status_code == 422
    assert set(fields_of(r)) == {"status", "limit"}


async def test_webhook_without_a_valid_signature_is_401(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/channels/webhook/crm", json=VALID)
    assert r.status_code == 401
    r = await client.post(
        "/v1/channels/webhook/crm",
        json=VALID,
        headers={"X-Closeloop-Signature": "sha256=" + "0" * 64},
    )
    assert r.status_code == 401


async def test_a_forged_cursor_is_named(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/complaints?cursor=not-a-cursor", headers=AGENT)
    assert r.status_code == 422
    assert fields_of(r) == ["cursor"]
