"""Rules, departments and agents: ``/v1/routing/rules``, ``/departments``, ``/agents``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from closeloop_routing.entrypoints.api.schemas import (
    AgentRead,
    AgentUpdate,
    DepartmentsRead,
    invalid,
)
from closeloop_routing.entrypoints.deps import Administrator, Context, Reader, Staff
from closeloop_routing.service.configuration import (
    InvalidConfiguration,
    VersionConflict,
    agent_changes,
    replace_departments,
    replace_rule_set,
    update_agent,
)
from closeloop_shared.auth import Role
from closeloop_shared.http.errors import ApiError

router = APIRouter(prefix="/v1/routing", tags=["routing configuration"])

RULE_SET_EXAMPLE = {
    "default_department": "customer_service",
    "rules": [
        {
            "id": "dup-charge",
            "order": 10,
            "department": "billing",
            "skill": "refunds",
            "match": {"categories": ["billing"], "keywords_any": ["重复扣费", "refund"]},
        }
    ],
}


@router.get("/rules", summary="The active rule set")
async def get_rules(ctx: Context, _: Reader) -> dict[str, Any]:
    return dict(ctx.config.current.rules_raw)


@router.put(
    "/rules",
    summary="Replace the rule set (validated whole; 422 names each problem)",
    responses={409: {"description": "version is not the next one"}, 422: {}},
)
async def put_rules(
    ctx: Context,
    principal: Administrator,
    body: Annotated[dict[str, Any], Body(examples=[RULE_SET_EXAMPLE])],
) -> dict[str, Any]:
    """``version`` may be left out (the next one is used) or must be the active + 1."""
    try:
        config = await replace_rule_set(ctx, body, by=principal.sub)
    except InvalidConfiguration as exc:
        raise invalid("rule set", exc.errors) from None
    except VersionConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    return dict(config.rules_raw)


def _departments_read(ctx: Context) -> DepartmentsRead:
    config = ctx.config.current
    return DepartmentsRead(
        version=config.departments_version,
        departments=[dict(d) for d in config.departments_raw],
    )


@router.get("/departments", summary="The active departments")
async def get_departments(ctx: Context, _: Reader) -> DepartmentsRead:
    return _departments_read(ctx)


@router.put(
    "/departments",
    summary="Replace the departments (validated whole; 422 names each problem)",
    responses={409: {"description": "version is not the next one"}, 422: {}},
)
async def put_departments(
    ctx: Context,
    principal: Administrator,
    body: Annotated[dict[str, Any] | list[Any], Body()],
) -> DepartmentsRead:
    """Body: ``{"version": N?, "departments": [...]}`` or the bare list of departments."""
    version = None
    if isinstance(body, dict):
        unknown = sorted(set(body) - {"version", "departments"})
        if unknown or "departments" not in body:
            problems = [f"{k}: unknown field; known: ['departments', 'version']" for k in unknown]
            if "departments" not in body:
                problems.append("departments: is required")
            raise invalid("department set", problems)
        version, body = body.get("version"), body["departments"]
    try:
        await replace_departments(ctx, body, version=version, by=principal.sub)
    except InvalidConfiguration as exc:
        raise invalid("department set", exc.errors) from None
    except VersionConflict as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    return _departments_read(ctx)


@router.get("/agents", summary="Agents with capacity, availability, skills and load")
async def list_agents(
    ctx: Context, _: Reader, department: Annotated[str | None, Query(max_length=100)] = None
) -> list[AgentRead]:
    return [AgentRead.of(a) for a in await ctx.agents.list(department)]


@router.get("/agents/{agent_id}", summary="One agent")
async def get_agent(ctx: Context, _: Reader, agent_id: str) -> AgentRead:
    agent = await ctx.agents.get(agent_id)
    if agent is None:
        raise ApiError(404, "not_found", f"no agent '{agent_id}' in any department")
    return AgentRead.of(agent)


@router.put(
    "/agents/{agent_id}",
    summary="Change an agent's capacity, availability (on/off duty) or skills",
)
async def put_agent(ctx: Context, principal: Staff, agent_id: str, body: AgentUpdate) -> AgentRead:
    """Agents may only switch their own availability; supervisors and admins change all.
    Coming on duty (or gaining capacity or skills) assigns waiting complaints at once."""
    if not principal.has(Role.supervisor, Role.admin):
        others = body.capacity is not None or body.skills is not None
        if principal.sub != agent_id or others:
            raise ApiError(403, "forbidden", "agents may only change their own availability")
    changes = agent_changes(body.capacity, body.available, body.skills)
    agent = (
        await update_agent(ctx, agent_id, changes) if changes else await ctx.agents.get(agent_id)
    )
    if agent is None:
        raise ApiError(404, "not_found", f"no agent '{agent_id}' in any department")
    return AgentRead.of(agent)
