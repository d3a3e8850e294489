"""Every error of the shared app factory is RFC 9457 problem details with the pre-RFC
members (error, message, fields) kept as extensions."""

from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel

from closeloop_shared.auth import Principal, Role, TokenVerifier, issue_dev_token, require_roles
from closeloop_shared.http.app import create_app
from closeloop_shared.http.errors import ApiError
from closeloop_shared.settings import ServiceSettings

SETTINGS = ServiceSettings(service_name="t", max_body_bytes=1024)


class Thing(BaseModel):
    channel: str


def _client() -> TestClient:
    router = APIRouter()

    @router.post("/things")
    async def create(body: Thing) -> dict[str, str]:
        return {"channel": body.channel}

    @router.get("/admin-only")
    async def admin(p: Annotated[Principal, Depends(require_roles(Role.admin))]) -> str:
        return p.sub

    @router.put("/things/{thing_id}")
    async def conflict(thing_id: str) -> None:
        raise ApiError(409, "version_conflict", f"{thing_id} moved on", current_version=4)

    @router.get("/busy")
    async def busy() -> None:
        raise ApiError(503, "unavailable", "retry shortly", headers={"Retry-After": "2"})

    @router.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret stack detail")

    app = create_app(settings=SETTINGS, title="t", routers=[router])
    app.state.token_verifier = TokenVerifier(SETTINGS)
    return TestClient(app, raise_server_exceptions=False)


def _problem(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["type"] == f"urn:closeloop:problem:{code}"
    assert body["status"] == status and body["error"] == code
    assert body["title"] and body["detail"] == body["message"]
    assert body["instance"] == r.request.url.raw_path.decode().split("?")[0]
    return body


def test_validation_error_names_fields_in_both_shapes() -> None:
    body = _problem(_client().post("/things?x=1", json={}), 422, "validation_failed")
    assert body["fields"] == [{"field": "channel", "problem": "Field required"}]
    assert body["title"] == "Validation failed" and body["instance"] == "/things"


def test_malformed_json_is_a_400_problem() -> None:
    r = _client().post("/things", content=b"{", headers={"content-type": "application/json"})
    assert _problem(r, 400, "malformed_json")["fields"][0]["field"] == "body"


@pytest.mark.parametrize("chunked", [False, True])
def test_too_large_is_a_413_problem_from_the_middleware(chunked: bool) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"x" * 1600
        yield b"x" * 1600

    content: Any = chunks() if chunked else b"x" * 1600
    r = _client().post("/things", content=content, headers={"content-type": "application/json"})
    assert "1024 bytes" in _problem(r, 413, "too_large")["detail"]


def test_401_and_403_are_problems() -> None:
    c = _client()
    r = c.get("/admin-only")
    _problem(r, 401, "unauthenticated")
    assert r.headers["www-authenticate"] == "Bearer"
    agent = issue_dev_token(SETTINGS, role=Role.agent)
    r = c.get("/admin-only", headers={"Authorization": f"Bearer {agent}"})
    assert "admin" in _problem(r, 403, "forbidden")["detail"]


def test_unknown_route_and_method_are_problems() -> None:
    c = _client()
    _problem(c.get("/nowhere"), 404, "not_found")
    _problem(c.delete("/things"), 405, "method_not_allowed")


def test_api_error_keeps_extensions_and_headers() -> None:
    c = _client()
    body = _problem(c.put("/things/T-1"), 409, "version_conflict")
    assert body["current_version"] == 4 and body["detail"] == "T-1 moved on"
    r = c.get("/busy")
    _problem(r, 503, "unavailable")
    assert r.headers["retry-after"] == "2"


def test_unhandled_error_is_a_500_problem_without_internals() -> None:
    r = _client().get("/boom")
    body = _problem(r, 500, "internal_error")
    assert "secret" not in r.text and "fields" not in body


def test_instance_is_a_percent_encoded_uri_reference() -> None:
    r = _client().put("/things/%C2%91%C3%84%0Ex y")
    body = _problem(r, 409, "version_conflict")
    assert body["instance"] == "/things/%C2%91%C3%84%0Ex%20y"


def test_too_deep_json_is_a_400_problem_from_the_middleware() -> None:
    deep = b"[" * 100 + b"]" * 100
    r = _client().post("/things", content=deep, headers={"content-type": "application/json"})
    assert "deeper" in _problem(r, 400, "too_deep")["detail"]
