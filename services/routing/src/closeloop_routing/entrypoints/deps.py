"""FastAPI dependencies of the routing API: the routing context and who may call what."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from closeloop_routing.service.context import RoutingContext
from closeloop_shared.auth import Principal, Role, require_roles


def routing_context(request: Request) -> RoutingContext:
    """The process's routing context (built in ``bootstrap``)."""
    ctx: RoutingContext = request.app.state.routing
    return ctx


Context = Annotated[RoutingContext, Depends(routing_context)]
# Reading the configuration: everyone who works with complaints (not channel clients).
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.agent, Role.supervisor, Role.department, Role.auditor, Role.admin)),
]
# Changing rules and departments.
Administrator = Annotated[Principal, Depends(require_roles(Role.admin))]
# Changing agents (an agent only their own availability) and transferring complaints.
Staff = Annotated[Principal, Depends(require_roles(Role.agent, Role.supervisor, Role.admin))]
# Assigning complaints to agents.
Supervisor = Annotated[Principal, Depends(require_roles(Role.supervisor, Role.admin))]
