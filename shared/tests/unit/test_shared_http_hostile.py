"""Hostile bodies and browser headers, for every service's app (``create_app``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel

from closeloop_shared.auth import CurrentPrincipal, Role, TokenVerifier, issue_dev_token
from closeloop_shared.http.app import create_app
from closeloop_shared.http.json_depth import json_depth_exceeds
from closeloop_shared.settings import ServiceSettings

SETTINGS = ServiceSettings(service_name="t", max_json_depth=8)


class Anything(BaseModel):
    data: object = None


def _client() -> TestClient:
    router = APIRouter()

    @router.post("/things")
    async def create(body: Anything, p: CurrentPrincipal) -> dict[str, str]:
        return {"sub": p.sub}

    @router.get("/page", response_class=HTMLResponse)
    async def page() -> str:
        return "<html><body><form method='post'></form></body></html>"

    app = create_app(settings=SETTINGS, title="t", routers=[router])
    app.state.token_verifier = TokenVerifier(SETTINGS)
    return TestClient(app)


def _auth() -> dict[str, str]:
    return {"authorization": f"Bearer {issue_dev_token(SETTINGS, role=Role.agent, sub='agent-1')}"}


def _nested(depth: int) -> str:
    return '{"data": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


@pytest.mark.parametrize(
    ("body", "limit", "deeper"),
    [
        (b'{"a": [1, {"b": 2}]}', 3, False),
        (b'{"a": [1, {"b": 2}]}', 2, True),
        (b'{"a": "[[[[[[[[[[{{{{{{"}', 1, False),  # brackets inside a string
        (b'{"a": "quote \\" [[[[[[", "b": []}', 2, False),  # an escaped quote in the string
        (b"[" * 1000 + b"]" * 1000, 64, True),
        (b"[]" * 5000, 1, False),  # long but flat
        (b"not json [[[", 2, True),  # invalid JSON still measured, never parsed deeper
    ],
)
def test_json_depth(body: bytes, limit: int, deeper: bool) -> None:
    assert json_depth_exceeds(body, limit) is deeper


def test_a_body_nested_1000_deep_is_refused_before_any_parser() -> None:
    client = _client()
    body = _nested(1000)
    reply = client.post(
        "/things", content=body, headers={**_auth(), "content-type": "application/json"}
    )
    assert reply.status_code == 400
    assert reply.json()["error"] == "too_deep"
    assert "8 levels" in reply.json()["message"]


def test_a_chunked_deep_body_is_refused_too() -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"data": '
        for _ in range(50):
            yield b"[[[[[[[[[["
        yield b"]" * 500 + b"}"

    headers = {**_auth(), "content-type": "application/json; charset=utf-8"}
    reply = _client().post("/things", content=chunks(), headers=headers)
    assert reply.status_code == 400 and reply.json()["error"] == "too_deep"


def test_bodies_within_the_depth_limit_still_work() -> None:
    client = _client()
    reply = client.post(
        "/things", content=_nested(8), headers={**_auth(), "content-type": "application/json"}
    )
    assert reply.status_code == 200 and reply.json() == {"sub": "agent-1"}


def test_html_pages_carry_a_content_security_policy() -> None:
    reply = _client().get("/page")
    assert reply.status_code == 200
    csp = reply.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "script-src" not in csp  # the pages need no script at all
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_docs_carry_a_policy_that_lets_them_load(path: str) -> None:
    reply = _client().get(path)
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/html")
    csp = reply.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "https://cdn.jsdelivr.net" in csp
    assert reply.headers["x-content-type-options"] == "nosniff"


def test_json_replies_are_nosniff_without_a_page_policy() -> None:
    reply = _client().get("/healthz")
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in reply.headers
