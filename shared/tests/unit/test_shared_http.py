import time
from collections.abc import Iterator
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from closeloop_shared.auth import (
    CurrentPrincipal,
    Principal,
    Role,
    TokenVerifier,
    issue_dev_token,
    require_roles,
)
from closeloop_shared.http.app import create_app
from closeloop_shared.settings import ServiceSettings

SETTINGS = ServiceSettings(service_name="t", max_body_bytes=2048)


class Contact(BaseModel):
    phone: str = Field(min_length=3)


class Body(BaseModel):
    channel: str
    customer: Contact


def _client() -> TestClient:
    router = APIRouter()

    @router.post("/things")
    async def create(body: Body) -> dict[str, str]:
        return {"channel": body.channel}

    @router.get("/who")
    async def who(p: CurrentPrincipal) -> dict[str, object]:
        return {"sub": p.sub, "pii": p.can_read_pii}

    @router.get("/admin-only")
    async def admin(p: Annotated[Principal, Depends(require_roles(Role.admin))]) -> str:
        return p.sub

    app = create_app(settings=SETTINGS, title="t", routers=[router])
    app.state.token_verifier = TokenVerifier(SETTINGS)
    return TestClient(app)


def test_validation_errors_name_each_bad_field() -> None:
    r = _client().post("/things", json={"customer": {"phone": "1"}})
    assert r.status_code == 422
    fields = {f["field"] for f in r.json()["fields"]}
    assert fields == {"channel", "customer.phone"}


def test_malformed_json_is_400_not_500() -> None:
    r = _client().post(
        "/things", content=b'{"channel": ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["error"] == "malformed_json"


def test_oversized_body_is_413() -> None:
    r = _client().post("/things", content=b"x" * 5000, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_health_and_metrics_need_no_token() -> None:
    c = _client()
    assert c.get("/healthz").status_code == 200
    assert c.get("/readyz").status_code == 200
    c.post("/things", json={})
    assert (
        'closeloop_http_requests_total{method="POST",route="/things",status="422"}'
        in c.get("/metrics").text
    )


def test_tokens_authenticate_and_roles_authorise() -> None:
    c = _client()
    assert c.get("/who").status_code == 401
    agent = issue_dev_token(SETTINGS, role=Role.agent, sub="agent-7")
    r = c.get("/who", headers={"Authorization": f"Bearer {agent}"})
    assert r.json() == {"sub": "agent-7", "pii": True}
    assert c.get("/admin-only", headers={"Authorization": f"Bearer {agent}"}).status_code == 403
    admin = issue_dev_token(SETTINGS, role=Role.admin)
    assert c.get("/admin-only", headers={"Authorization": f"Bearer {admin}"}).status_code == 200


def test_expired_and_forged_tokens_are_401() -> None:
    c = _client()
    expired = issue_dev_token(SETTINGS, role=Role.agent, ttl_s=-10)
    r = c.get("/who", headers={"Authorization": f"Bearer {expired}"})
    assert r.status_code == 401 and "expired" in r.json()["message"]
    forged = jwt.encode(
        {
            "sub": "x",
            "roles": ["admin"],
            "exp": int(time.time()) + 60,
            "iss": "closeloop",
            "aud": "closeloop",
        },
        "not-the-key",
        algorithm="HS256",
    )
    assert c.get("/who", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_department_scope() -> None:
    dept = Principal("d", frozenset({Role.department}), frozenset({"billing"}))
    assert dept.may_see_department("billing")
    assert not dept.may_see_department("logistics")
    assert not dept.may_see_department(None)
    sup = Principal("s", frozenset({Role.supervisor}))
    assert sup.may_see_department("logistics")


def test_oversized_chunked_body_is_413() -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * 1000

    r = _client().post("/things", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "too_large"


def test_small_chunked_body_still_reaches_the_handler() -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"channel": "web", '
        yield b'"customer": {"phone": "123"}}'

    r = _client().post("/things", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json() == {"channel": "web"}


def test_signed_token_with_malformed_claims_is_401_not_500() -> None:
    c = _client()
    for claims in (
        {"depts": [{"x": 1}]},
        {"depts": "billing"},
        {"roles": "admin"},
        {"scope": ["pii:read"]},
    ):
        token = jwt.encode(
            {
                "sub": "x",
                "roles": ["agent"],
                "exp": int(time.time()) + 60,
                "iss": "closeloop",
                "aud": "closeloop",
                **claims,
            },
            SETTINGS.jwt_dev_secret,
            algorithm="HS256",
        )
        r = c.get("/who", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, claims
