"""Dependencies of the sla routes: the worker's parts and who may call what."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from closeloop_shared.auth import Principal, Role, require_roles
from closeloop_shared.http.errors import ApiError
from closeloop_shared.http.openapi import mark_errors
from closeloop_sla.container import SlaContainer
from closeloop_sla.service.policy_service import InvalidSet, PolicyService


def container(request: Request) -> SlaContainer:
    """The worker's shared parts."""
    found: SlaContainer = request.app.state.sla
    return found


def policy_service(request: Request) -> PolicyService:
    """The policy service, or 503 while MongoDB is not connected yet."""
    service = container(request).policies
    if service is None:
        raise ApiError(503, "unavailable", "policies are not loaded yet; retry shortly")
    return service


mark_errors(policy_service, {503: "policies are not loaded yet; retry shortly"})


def unusable(exc: InvalidSet, what: str) -> ApiError:
    """422 naming each problem of a submitted set."""
    fields = [{"field": p.field, "problem": p.problem} for p in exc.problems]
    return ApiError(422, "validation_failed", f"the {what} set is not usable", fields=fields)


Container = Annotated[SlaContainer, Depends(container)]
Policies = Annotated[PolicyService, Depends(policy_service)]
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.agent, Role.supervisor, Role.admin, Role.department)),
]
Editor = Annotated[Principal, Depends(require_roles(Role.admin, Role.supervisor))]
