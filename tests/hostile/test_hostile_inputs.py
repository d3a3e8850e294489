"""Hostile HTTP input against the real services: oversized bodies, deep JSON nesting,
invalid UTF-8 and SQL/NoSQL-injection-shaped values. Each is refused with a 4xx JSON error
or stored inertly (read back exactly as sent, matching nothing else); never a 5xx, and
every service stays ready."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import orjson
import pytest
from e2e_env import E2E, SERVICES, Role, auth, record_figures

from closeloop_intake.config import DEV_WEBHOOK_SECRET
from closeloop_intake.domain.webhook_signature import signed_headers
from closeloop_shared.settings import ServiceSettings

pytestmark = pytest.mark.e2e

ADMIN = auth(Role.admin, sub="hostile-admin")
JSON = {"Content-Type": "application/json"}
MAX_BODY = ServiceSettings().max_body_bytes
OPERATOR = {"$gt": ""}
INJECTIONS = (
    "' OR '1'='1' --",
    "'; DROP TABLE complaints; --",
    '{"$gt": ""}',
    "$where: sleep(1000)",
    ".*",
    '\\" } ; db.complaints.drop() ; {',
)
VALID = {
    "channel": "web",
    "kind": "complaint",
    "customer": {"name": "测试", "email": "hostile@example.com"},
    "description": "账单重复扣费",
}
_cases: list[int] = []


async def body_endpoints(client: httpx.AsyncClient, e2e: E2E) -> list[tuple[str, str, str]]:
    """(service, method, path) of every operation that documents a request body, with path
    parameters filled with a harmless value (operations without one ignore the body)."""
    found = []
    for service in SERVICES:
        spec = (await client.get(e2e.url(service, "/openapi.json"))).json()
        for path, ops in spec["paths"].items():
            for method, op in ops.items():
                if "requestBody" in op:
                    concrete = path.replace("{action}", "notes")
                    for name in ("complaint_id", "source", "agent_id", "survey_id"):
                        concrete = concrete.replace("{" + name + "}", f"hostile-{name}")
                    for name in ("token", "task_id"):
                        concrete = concrete.replace("{" + name + "}", "hostile")
                    found.append((service, method.upper(), concrete))
    return found


def refused(reply: httpx.Response, *codes: int) -> bool:
    """A 4xx (one of ``codes`` when given) with a JSON error body."""
    if not 400 <= reply.status_code < 500 or (codes and reply.status_code not in codes):
        return False
    try:
        body = reply.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "error" in body


async def all_ready(client: httpx.AsyncClient, e2e: E2E) -> None:
    for service in SERVICES:
        reply = await client.get(e2e.url(service, "/readyz"))
        assert reply.status_code == 200, f"{service} not ready:\n{e2e.log_tail(service)}"


async def send_each(
    client: httpx.AsyncClient, e2e: E2E, content: Any, *, headers: dict[str, str]
) -> list[tuple[str, httpx.Response]]:
    sent = []
    for service, method, path in await body_endpoints(client, e2e):
        reply = await client.request(
            method, e2e.url(service, path), content=content(), headers=headers
        )
        sent.append((f"{service} {method} {path}", reply))
    _cases.append(len(sent))
    return sent


async def test_oversized_bodies_are_refused_with_413(e2e: E2E) -> None:
    big = b'{"description": "' + b"x" * (2 * MAX_BODY) + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    async with httpx.AsyncClient(timeout=60.0) as client:
        declared = await send_each(client, e2e, lambda: big, headers=ADMIN | JSON)
        streamed = await send_each(client, e2e, chunks, headers=ADMIN | JSON)
        wrong = [f"declared {n}: {r.status_code}" for n, r in declared if not refused(r, 413)]
        wrong += [f"chunked {n}: {r.status_code}" for n, r in streamed if not refused(r, 413)]
        assert not wrong, "\n".join(wrong)
        await all_ready(client, e2e)


async def test_deeply_nested_json_is_refused(e2e: E2E) -> None:
    depth = 100_000
    deep = b'{"description": ' + b"[" * depth + b"]" * depth + b"}"
    async with httpx.AsyncClient(timeout=60.0) as client:
        sent = await send_each(client, e2e, lambda: deep, headers=ADMIN | JSON)
        wrong = [f"{name}: {r.status_code} {r.text[:100]}" for name, r in sent if not refused(r)]
        assert not wrong, "\n".join(wrong)
        await all_ready(client, e2e)


async def test_invalid_utf8_is_refused(e2e: E2E) -> None:
    broken = b'{"channel": "web", "kind": "complaint", "description": "\xff\xfe\xc3\x28"}'
    async with httpx.AsyncClient(timeout=60.0) as client:
        sent = await send_each(client, e2e, lambda: broken, headers=ADMIN | JSON)
        wrong = [f"{name}: {r.status_code} {r.text[:100]}" for name, r in sent if not refused(r)]
        assert not wrong, "\n".join(wrong)
        await all_ready(client, e2e)


def with_operator(path: tuple[str, ...]) -> dict[str, Any]:
    """The valid complaint with ``{"$gt": ""}`` at ``path``."""
    body = orjson.loads(orjson.dumps(VALID))
    target = body
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = OPERATOR
    return dict(body)


async def test_operator_objects_in_any_field_are_refused_naming_the_field(e2e: E2E) -> None:
    fields = [
        ("channel",),
        ("kind",),
        ("customer",),
        ("customer", "name"),
        ("customer", "email"),
        ("customer", "phone"),
        ("customer", "customer_id"),
        ("description",),
        ("demand",),
        ("category",),
        ("severity",),
        ("received_by",),
        ("occurred_at",),
        ("language",),
        ("attachments",),
    ]
    async with httpx.AsyncClient(timeout=30.0) as client:
        url = e2e.url("intake", "/v1/complaints")
        for path in fields:
            reply = await client.post(url, json=with_operator(path), headers=ADMIN)
            assert refused(reply, 422), (path, reply.status_code, reply.text[:200])
            named = {f["field"] for f in reply.json().get("fields", [])}
            assert any(path[-1] in n for n in named), (path, named)
        raw = orjson.dumps(with_operator(("description",)))
        signed = signed_headers(DEV_WEBHOOK_SECRET, raw, timestamp=int(time.time()))
        hook = await client.post(
            e2e.url("intake", "/v1/channels/webhook/hostile"), content=raw, headers=JSON | signed
        )
        assert refused(hook, 422), hook.text
        _cases.append(len(fields) + 1)
        await all_ready(client, e2e)


async def test_injection_shaped_strings_are_stored_inertly(e2e: E2E) -> None:
    async with httpx.AsyncClient(timeout=30.0) as client:
        url = e2e.url("intake", "/v1/complaints")
        for text in INJECTIONS:
            body = VALID | {"description": f"注入 {text}", "demand": text}
            body["customer"] = {"name": text, "email": "inject@example.com", "customer_id": text}
            created = await client.post(url, json=body, headers=ADMIN)
            assert created.status_code == 201, created.text
            stored = await client.get(f"{url}/{created.json()['id']}", headers=ADMIN)
            doc = stored.json()
            assert doc["description"] == f"注入 {text}" and doc["demand"] == text
            assert doc["customer"]["name"] == text and doc["customer"]["customer_id"] == text
            # Searching for it finds only complaints that literally contain it.
            page = await client.get(url, params={"q": text, "limit": 200}, headers=ADMIN)
            assert page.status_code == 200, page.text
            items = page.json()["items"]
            assert items and all(text in i["description"] + i["demand"] for i in items)
        _cases.append(len(INJECTIONS))
        await all_ready(client, e2e)


async def test_injection_shaped_query_and_path_values_match_nothing(e2e: E2E) -> None:
    operator = orjson.dumps(OPERATOR).decode()
    async with httpx.AsyncClient(timeout=30.0) as client:
        listing = e2e.url("intake", "/v1/complaints")
        for name in ("status", "severity", "channel", "kind"):
            reply = await client.get(listing, params={name: operator}, headers=ADMIN)
            assert refused(reply, 422), (name, reply.status_code)
        for name in ("department", "q"):
            reply = await client.get(listing, params={name: operator}, headers=ADMIN)
            assert reply.status_code == 200, reply.text
            assert all(operator in (i.get(name) or i["description"]) for i in reply.json()["items"])
        cursor = await client.get(listing, params={"cursor": operator}, headers=ADMIN)
        assert refused(cursor), cursor.text
        brackets = await client.get(f"{listing}?status[$ne]=x&q[$regex]=.*", headers=ADMIN)
        assert brackets.status_code == 200  # unknown parameters are ignored, not interpreted

        weird_id = quote(operator, safe="")
        for service, path in (
            ("intake", f"/v1/complaints/{weird_id}"),
            ("intake", f"/v1/complaints/{weird_id}/timeline"),
            ("routing", f"/v1/routing/complaints/{weird_id}"),
            ("sla", f"/v1/sla/complaints/{weird_id}"),
            ("feedback", f"/v1/complaints/{weird_id}/surveys"),
            ("audit", f"/v1/audit/complaints/{weird_id}"),
            ("routing", f"/v1/routing/agents/{weird_id}"),
        ):
            reply = await client.get(e2e.url(service, path), headers=ADMIN)
            empty_list = reply.status_code == 200 and reply.json() in ([], {"items": []})
            assert refused(reply, 404) or empty_list, (service, path, reply.status_code, reply.text)
        survey = await client.post(
            e2e.url("feedback", f"/v1/surveys/{weird_id}"), json={"score": OPERATOR}
        )
        assert refused(survey), survey.text
        _cases.append(17)
        await all_ready(client, e2e)


async def status_of(method: str, url: str, **options: Any) -> int:
    """The status of one request on its own connection (599: the server dropped it, as
    uvicorn does after an unhandled exception)."""
    async with httpx.AsyncClient(timeout=30.0) as own:
        try:
            return (await own.request(method, url, **options)).status_code
        except httpx.HTTPError:
            return 599


async def test_hostile_token_claims_are_refused_not_crashed_on(e2e: E2E) -> None:
    settings = ServiceSettings()
    now = int(time.time())
    base: dict[str, Any] = {"sub": "hostile", "iss": settings.jwt_issuer}
    base["aud"] = settings.jwt_audience
    base |= {"iat": now, "exp": now + 600}
    shapes: list[dict[str, Any]] = [
        {"roles": ["admin"], "depts": [OPERATOR]},
        {"roles": [OPERATOR]},
        {"roles": "admin"},
        {"roles": ["admin"], "scope": OPERATOR},
        {"roles": ["admin"], "sub": OPERATOR},
        {"roles": ["department"], "depts": OPERATOR},
    ]
    async with httpx.AsyncClient(timeout=30.0) as client:
        wrong = []
        for claims in shapes:
            token = jwt.encode(base | claims, settings.jwt_dev_secret, algorithm="HS256")
            for service in SERVICES:
                path = {"audit": "/v1/audit/verify", "sla": "/v1/sla/policies"}.get(
                    service, "/v1/routing/rules" if service == "routing" else "/v1/complaints"
                )
                if service == "feedback":
                    path = "/v1/reports/kpi"
                bearer = {"Authorization": f"Bearer {token}"}
                status = await status_of("GET", e2e.url(service, path), headers=bearer)
                if status >= 500:
                    wrong.append(f"{service} {path} with {claims}: {status}")
        _cases.append(len(shapes) * len(SERVICES))
        record_figures(hostile_http_requests=sum(_cases))
        assert not wrong, "\n".join(wrong)
        await all_ready(client, e2e)


async def test_integers_beyond_64_bits_are_refused(e2e: E2E) -> None:
    huge = 2**70
    body = VALID | {"attachments": [{"filename": "a.pdf", "size_bytes": huge}]}
    async with httpx.AsyncClient(timeout=30.0) as client:
        wrong = []
        url = e2e.url("intake", "/v1/complaints")
        created = await status_of("POST", url, json=body, headers=ADMIN)
        if created != 422:
            wrong.append(f"intake POST /v1/complaints size_bytes=2**70: {created}")
        for service, path, params in (
            ("intake", "/v1/complaints", {"limit": huge}),
            ("audit", "/v1/audit/proofs/1", {"tree_size": huge}),
            ("audit", f"/v1/audit/proofs/{huge}", {}),
            ("audit", "/v1/audit/proofs/consistency", {"from": 1, "to": huge}),
            ("audit", "/v1/audit/complaints/x", {"after": huge}),
        ):
            status = await status_of("GET", e2e.url(service, path), params=params, headers=ADMIN)
            if not 400 <= status < 500:
                wrong.append(f"{service} GET {path} {params}: {status}")
        _cases.append(6)
        assert not wrong, "\n".join(wrong)
        await all_ready(client, e2e)
