"""FastAPI dependencies of the intake API, as ``Annotated`` aliases that keep routes short.

All are ``async def``: FastAPI runs a plain ``def`` dependency in a worker thread, and those
hand-offs cost more than the few microseconds of work each of these does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from closeloop_intake.config import IntakeSettings
from closeloop_intake.domain.lifecycle import Role
from closeloop_intake.metrics import COMPLAINTS_SHED
from closeloop_intake.service.admission import Admission, Overloaded
from closeloop_intake.service.context import Actor, ServiceContext
from closeloop_shared.auth import Principal, current_principal
from closeloop_shared.http.errors import ApiError
from closeloop_shared.http.openapi import mark_authenticates, mark_errors, mark_roles

READ_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.DEPARTMENT, Role.AUDITOR, Role.ADMIN})
CREATE_ROLES = frozenset({Role.CHANNEL, Role.AGENT, Role.SUPERVISOR, Role.ADMIN})


def actor_from(principal: Principal) -> Actor:
    """The domain's view of a verified token."""
    return Actor(
        sub=principal.sub,
        roles=frozenset(Role(r.value) for r in principal.roles),
        departments=principal.departments,
        can_read_pii=principal.can_read_pii,
    )


async def _principal(request: Request) -> Principal:
    """The verified caller. An HS256 token is checked in microseconds, on the event loop; a
    JWKS key look-up may fetch the keys over the network, so it keeps to a worker thread."""
    settings: IntakeSettings = request.app.state.settings
    if settings.jwt_mode == "jwks":
        return await run_in_threadpool(current_principal, request)
    return current_principal(request)


mark_authenticates(_principal)


def _requiring(roles: frozenset[Role], what: str) -> object:
    async def dependency(principal: Annotated[Principal, Depends(_principal)]) -> Actor:
        actor = actor_from(principal)
        if not actor.roles & roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            raise ApiError(403, "forbidden", f"{what} needs one of the roles: {allowed}")
        return actor

    mark_roles(dependency, (r.value for r in roles))
    return Depends(dependency)


async def _any_actor(principal: Annotated[Principal, Depends(_principal)]) -> Actor:
    return actor_from(principal)


async def _context(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


async def _settings(request: Request) -> IntakeSettings:
    settings: IntakeSettings = request.app.state.settings
    return settings


async def _if_match(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """``If-Match: 3`` (quotes and ``W/`` tolerated) → 3."""
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not raw.isdigit():
        problem = {"field": "If-Match", "problem": "must be the complaint's version number"}
        raise ApiError(400, "invalid_header", "If-Match is not a version", fields=[problem])
    return int(raw)


async def _idempotency_key(idempotency_key: Annotated[str | None, Header()] = None) -> str | None:
    if idempotency_key is not None and not 1 <= len(idempotency_key.strip()) <= 200:
        problem = {"field": "Idempotency-Key", "problem": "must be 1 to 200 characters"}
        raise ApiError(400, "invalid_header", "Idempotency-Key is invalid", fields=[problem])
    return idempotency_key.strip() if idempotency_key else None


async def _admit(request: Request) -> None:
    """Refuse new work with 429 while the pipeline behind intake is over its bound."""
    admission: Admission | None = request.app.state.admission
    if admission is None:
        return
    try:
        admission.check()
    except Overloaded as exc:
        COMPLAINTS_SHED.inc()
        raise ApiError(
            429,
            "overloaded",
            f"the pipeline is {exc.behind} events behind (bound {exc.bound}); nothing was "
            f"registered: retry after {exc.retry_after_s} s with the same Idempotency-Key",
            headers={"Retry-After": str(exc.retry_after_s)},
        ) from None


mark_errors(_admit, {429: "the pipeline behind intake is over its bound; see Retry-After"})
ADMITTED = Depends(_admit)
Context = Annotated[ServiceContext, Depends(_context)]
Settings = Annotated[IntakeSettings, Depends(_settings)]
Reader = Annotated[Actor, _requiring(READ_ROLES, "reading complaints")]
Creator = Annotated[Actor, _requiring(CREATE_ROLES, "creating complaints")]
AnyActor = Annotated[Actor, Depends(_any_actor)]
IfMatch = Annotated[int | None, Depends(_if_match)]
IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]

__all__ = [
    "ADMITTED",
    "AnyActor",
    "Context",
    "Creator",
    "IdempotencyKey",
    "IfMatch",
    "Reader",
    "Settings",
]
