"""Authentication and authorisation.

Every API call carries an OAuth2 bearer JWT. Production verifies RS256 tokens against a
JWKS URL; development accepts HS256 tokens signed with a local key (``closeloop token``
prints one). Claims: ``sub``, ``roles`` (list), ``depts`` (department scope) and ``scope``
(space-separated, ``pii:read`` unmasks contact data).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from closeloop_shared.http.errors import ApiError
from closeloop_shared.http.rate_limit import SubjectRateLimits
from closeloop_shared.settings import ServiceSettings


class Role(StrEnum):
    channel = "channel"
    agent = "agent"
    supervisor = "supervisor"
    department = "department"
    auditor = "auditor"
    admin = "admin"


# The scopes each role gets in development tokens by default.
DEFAULT_SCOPES: dict[Role, tuple[str, ...]] = {
    Role.channel: (),
    Role.agent: ("pii:read",),
    Role.supervisor: ("pii:read",),
    Role.department: (),
    Role.auditor: ("audit:read",),
    Role.admin: ("pii:read", "audit:read"),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: subject, roles, department scope and scopes."""

    sub: str
    roles: frozenset[Role]
    departments: frozenset[str] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def can_read_pii(self) -> bool:
        return "pii:read" in self.scopes

    def may_see_department(self, department: str | None) -> bool:
        """Department users see only their departments; other roles see all."""
        if self.roles - {Role.department}:
            return True
        return department is not None and department in self.departments


def issue_dev_token(
    settings: ServiceSettings,
    *,
    role: Role,
    sub: str | None = None,
    departments: tuple[str, ...] = (),
    scopes: tuple[str, ...] | None = None,
    ttl_s: int = 12 * 3600,
) -> str:
    """A development token signed with the local key (never valid in production)."""
    now = int(time.time())
    claims = {
        "sub": sub or f"dev-{role.value}",
        "roles": [role.value],
        "depts": list(departments),
        "scope": " ".join(DEFAULT_SCOPES[role] if scopes is None else scopes),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, settings.jwt_dev_secret, algorithm="HS256")


class TokenVerifier:
    """Verifies bearer tokens according to the settings' mode."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._jwks = (
            # A token with a kid not in the cached set refetches it (key rotation), at most
            # once per cooldown so forged kids cannot make us hammer the identity provider.
            jwt.PyJWKClient(
                settings.jwt_jwks_url,
                lifespan=settings.jwt_jwks_cache_s,
                cooldown_duration=settings.jwt_jwks_refresh_cooldown_s,
                timeout=settings.jwt_jwks_timeout_s,
            )
            if settings.jwt_mode == "jwks"
            else None
        )

    def verify(self, token: str) -> Principal:
        s = self._settings
        try:
            if self._jwks is not None:
                key: Any = self._jwks.get_signing_key_from_jwt(token).key
                algorithms = ["RS256"]
            elif s.development:
                key, algorithms = s.jwt_dev_secret, ["HS256"]
            else:  # never reached by a service (it refuses to start), but never accept
                raise unauthenticated("development tokens need CLOSELOOP_ENV=development")
            claims = jwt.decode(
                token,
                key,
                algorithms=algorithms,
                audience=s.jwt_audience,
                issuer=s.jwt_issuer,
                options={"require": ["exp", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("token expired") from None
        except jwt.PyJWTError as exc:
            raise unauthenticated(f"invalid token: {exc}") from None
        roles, depts, scope = (
            claims.get("roles", []),
            claims.get("depts", []),
            claims.get("scope", ""),
        )
        if not _strings(roles) or not _strings(depts) or not isinstance(scope, str):
            raise unauthenticated(
                "token claims roles/depts must be lists of strings, scope a string"
            )
        try:
            role_set = frozenset(Role(r) for r in roles)
        except ValueError:
            raise unauthenticated("token names an unknown role") from None
        return Principal(
            sub=str(claims["sub"]),
            roles=role_set,
            departments=frozenset(depts),
            scopes=frozenset(scope.split()),
        )


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def unauthenticated(message: str) -> ApiError:
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": "Bearer"})


def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the verified caller, or 401; 429 past the caller's rate limit."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise unauthenticated("missing bearer token (Authorization: Bearer <jwt>)")
    verifier: TokenVerifier = request.app.state.token_verifier
    principal = verifier.verify(token.strip())
    limits: SubjectRateLimits | None = getattr(request.app.state, "rate_limits", None)
    if limits is not None:  # every app made by create_app has them
        limits.enforce(principal.sub, machine=principal.has(Role.channel))
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """FastAPI dependency factory: the caller must hold one of ``roles`` (else 403)."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has(*roles):
            allowed = ", ".join(r.value for r in roles)
            raise ApiError(403, "forbidden", f"this action needs one of the roles: {allowed}")
        return principal

    return dependency
