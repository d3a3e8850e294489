"""Rate limits per subject on the authenticated API of every app made by ``create_app``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.testclient import TestClient

from closeloop_shared.auth import CurrentPrincipal, Role, TokenVerifier, issue_dev_token
from closeloop_shared.http.app import create_app, server_config
from closeloop_shared.http.rate_limit import SubjectRateLimits
from closeloop_shared.settings import ServiceSettings


def _client(**limits: str) -> tuple[TestClient, ServiceSettings]:
    settings = ServiceSettings(service_name="t", **limits)  # type: ignore[arg-type]
    router = APIRouter()

    @router.get("/who")
    async def who(p: CurrentPrincipal) -> dict[str, str]:
        return {"sub": p.sub}

    app = create_app(settings=settings, title="t", routers=[router])
    app.state.token_verifier = TokenVerifier(settings)
    return TestClient(app), settings


def _auth(settings: ServiceSettings, sub: str, role: Role = Role.agent) -> dict[str, str]:
    return {"authorization": f"Bearer {issue_dev_token(settings, role=role, sub=sub)}"}


def test_a_subject_over_its_limit_gets_429_with_retry_after() -> None:
    client, settings = _client(rate_limit="3/minute")
    alice = _auth(settings, "alice")
    codes = [client.get("/who", headers=alice).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    refused = client.get("/who", headers=alice)
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_the_bucket_is_per_subject_not_per_client_address() -> None:
    client, settings = _client(rate_limit="2/minute")
    for _ in range(3):
        client.get("/who", headers=_auth(settings, "alice"))
    # Same client address (the test client), another subject: served.
    bob = client.get("/who", headers=_auth(settings, "bob"))
    assert bob.status_code == 200 and bob.json() == {"sub": "bob"}


def test_integrations_have_limits_of_their_own() -> None:
    client, settings = _client(rate_limit="1/minute", rate_limit_channel="5/minute")
    portal = _auth(settings, "web-portal", Role.channel)
    codes = [client.get("/who", headers=portal).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_unauthenticated_requests_are_not_counted_against_anyone() -> None:
    client, settings = _client(rate_limit="1/minute")
    for _ in range(3):
        assert client.get("/who").status_code == 401
    assert client.get("/who", headers=_auth(settings, "carol")).status_code == 200


def test_the_default_lets_300_quick_requests_quick_requests_through_only_up_to_the_burst() -> None:
    default = ServiceSettings().rate_limit
    assert default == "100/second;3000/minute"
    limits = SubjectRateLimits("t", people=default, machines="", storage_uri="memory://")
    waits = [limits.retry_after("mallory") for _ in range(300)]
    assert waits[:100] == [0] * 100
    # (A second boundary crossed mid-loop may let one or two more through: sliding window.)
    assert sum(1 for w in waits if w == 0) <= 102
    assert all(w >= 0 for w in waits) and waits[-1] >= 1


def test_an_empty_limit_means_none() -> None:
    limits = SubjectRateLimits("t", people="", machines="", storage_uri="memory://")
    assert all(limits.retry_after("x") == 0 for _ in range(1000))
    assert limits.retry_after("x", machine=True) == 0


def test_the_server_believes_forwarded_addresses_only_from_trusted_proxies() -> None:
    settings = ServiceSettings(service_name="t", forwarded_allow_ips="10.0.0.0/8")
    app = create_app(settings=settings, title="t")
    config = server_config(app, settings)
    assert config.proxy_headers is True
    assert config.forwarded_allow_ips == "10.0.0.0/8"
    assert ServiceSettings().forwarded_allow_ips == "127.0.0.1"  # nobody else by default
