"""JWKS mode (RS256, production's) against a JWKS server on loopback started by the test:
tokens of a published key are accepted, the key set rotates (a token of a newly published
key is accepted once the JWKS has it), an unknown ``kid``, a forged signature and a
development HS256 token are refused, and a whole request goes through the HTTP layer."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter

from closeloop_shared.auth import CurrentPrincipal, Role, TokenVerifier, issue_dev_token
from closeloop_shared.http.app import create_app
from closeloop_shared.http.errors import ApiError
from closeloop_shared.settings import ServiceSettings

pytestmark = pytest.mark.integration


class Key:
    """An RSA signing key of the identity provider, with its key id."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        public: dict[str, Any] = json.loads(
            jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key())
        )
        return public | {"kid": self.kid, "use": "sig", "alg": "RS256"}

    def token(self, sub: str, *, kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "sub": sub,
            "roles": ["agent"],
            "depts": [],
            "scope": "",
            "iss": "https://idp.test",
            "aud": "closeloop",
            "iat": now,
            "exp": now + 300,
        } | claims
        return jwt.encode(body, self.private, algorithm="RS256", headers={"kid": kid or self.kid})


class JwksServer:
    """Serves ``keys`` as a JWKS document; the test changes ``keys`` to rotate."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self.fetches = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.fetches += 1
                body = json.dumps({"keys": [k.jwk() for k in server.keys]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                """Quiet."""

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/.well-known/jwks.json"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


def _settings(jwks: JwksServer, cooldown_s: float = 0, cache_s: float = 300) -> ServiceSettings:
    return ServiceSettings(
        env="production",
        jwt_mode="jwks",
        jwt_jwks_url=jwks.url,
        jwt_issuer="https://idp.test",
        jwt_audience="closeloop",
        jwt_jwks_refresh_cooldown_s=cooldown_s,
        jwt_jwks_cache_s=cache_s,
    )


def _refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(ApiError) as refused:
        verifier.verify(token)
    assert refused.value.status == 401
    return refused.value.message


def test_jwks_tokens_are_verified_and_the_key_set_rotates(jwks: JwksServer) -> None:
    old, new, stranger = Key("2026-01"), Key("2026-07"), Key("2026-07")
    jwks.keys = [old]
    verifier = TokenVerifier(_settings(jwks, cache_s=1.0))

    assert verifier.verify(old.token("agent-1")).sub == "agent-1"
    _refused(verifier, new.token("agent-2"))  # not published yet
    fetched_before_rotation = jwks.fetches

    jwks.keys = [old, new]  # the provider publishes its next key, then signs with it
    assert verifier.verify(new.token("agent-2")).sub == "agent-2"
    assert jwks.fetches > fetched_before_rotation  # the new kid made it fetch the set again
    assert verifier.verify(old.token("agent-1")).sub == "agent-1"  # both during the overlap

    jwks.keys = [new]  # the old key is withdrawn: refused once the cached set expired
    time.sleep(1.2)
    _refused(verifier, old.token("agent-1"))
    assert verifier.verify(new.token("agent-3")).sub == "agent-3"
    _refused(verifier, Key("unknown").token("agent-4"))  # a kid the set never had
    _refused(verifier, stranger.token("agent-5"))  # the right kid, a forged signature
    _refused(verifier, old.token("agent-6", iss="https://elsewhere.test"))
    development = ServiceSettings(env="development", jwt_issuer="https://idp.test")
    dev = issue_dev_token(development, role=Role.agent)
    _refused(verifier, dev)  # a development HS256 token is never accepted in JWKS mode


def test_unknown_kids_refetch_the_key_set_at_most_once_per_cooldown(jwks: JwksServer) -> None:
    key = Key("2026-01")
    jwks.keys = [key]
    verifier = TokenVerifier(_settings(jwks, cooldown_s=60))
    assert verifier.verify(key.token("agent-1")).sub == "agent-1"
    for n in range(5):
        _refused(verifier, Key(f"forged-{n}").token("intruder"))
    assert jwks.fetches == 1  # five unknown kids, no refetch within the cooldown


async def test_a_request_is_authenticated_through_the_jwks(jwks: JwksServer) -> None:
    key = Key("2026-01")
    jwks.keys = [key]
    settings = _settings(jwks)
    router = APIRouter()

    @router.get("/whoami")
    async def whoami(principal: CurrentPrincipal) -> dict[str, str]:
        return {"sub": principal.sub}

    app = create_app(settings=settings, title="t", routers=[router])
    app.state.token_verifier = TokenVerifier(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ok = await client.get("/whoami", headers={"Authorization": f"Bearer {key.token('a-1')}"})
        unknown = Key("rotated-away").token("a-2")
        refused = await client.get("/whoami", headers={"Authorization": f"Bearer {unknown}"})
    assert ok.status_code == 200 and ok.json() == {"sub": "a-1"}
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
