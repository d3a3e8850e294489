"""Changing rules, departments and agents; seeding a fresh installation (R3)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from closeloop_routing.adapters.agent_pool import AgentRecord
from closeloop_routing.adapters.config_store import ConfigMissing, RoutingConfig
from closeloop_routing.domain.defaults import DEFAULT_DEPARTMENTS, DEFAULT_RULE_SET
from closeloop_routing.domain.departments import department_to_raw, validate_departments
from closeloop_routing.domain.rule_parsing import rule_set_to_raw, validate_rule_set
from closeloop_routing.service.context import RoutingContext
from closeloop_routing.service.directory import publish_directory
from closeloop_routing.service.placement import drain_departments
from closeloop_shared.mongo import Document

log = logging.getLogger(__name__)


class InvalidConfiguration(ValueError):
    """A rule set or department set that does not validate; ``errors`` name each problem."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class VersionConflict(ValueError):
    """The submitted version is not the next one (somebody else changed the set)."""


def _next_version(requested: object, active: int, what: str) -> int:
    if requested is None:
        return active + 1
    if requested != active + 1:
        raise VersionConflict(
            f"{what} version {requested} is not the next version: the active one is {active};"
            f" send version {active + 1} or leave version out"
        )
    return active + 1


async def replace_rule_set(ctx: RoutingContext, raw: object, *, by: str) -> RoutingConfig:
    """Validate a whole rule set against the departments and activate it; the active set
    stays in force if anything is wrong."""
    config = ctx.config.current
    if isinstance(raw, Mapping):
        raw = {
            **raw,
            "version": _next_version(raw.get("version"), config.rule_set.version, "rule set"),
        }
    rule_set, errors = validate_rule_set(raw, list(config.departments))
    if rule_set is None:
        raise InvalidConfiguration(errors)
    if not await ctx.config.save_rule_set(rule_set_to_raw(rule_set), by=by):
        raise VersionConflict(f"rule set version {rule_set.version} was activated meanwhile")
    return await ctx.config.load()


def _departments_in_use(config: RoutingConfig, kept: set[str]) -> list[str]:
    errors = []
    if config.rule_set.default_department not in kept:
        errors.append(
            f"departments: '{config.rule_set.default_department}' is the rule set's default"
            " department and cannot be removed"
        )
    for rule in config.rule_set.rules:
        if rule.department not in kept:
            errors.append(
                f"departments: '{rule.department}' is used by rule '{rule.id}' and cannot be"
                " removed; change the rules first"
            )
    return errors


async def replace_departments(
    ctx: RoutingContext, raw: object, *, version: object = None, by: str
) -> RoutingConfig:
    """Validate and activate a whole department set; agents learn their memberships and
    every department's queue is offered to its (possibly new) agents."""
    config = ctx.config.current
    next_version = _next_version(version, config.departments_version, "department set")
    departments, errors = validate_departments(raw)
    if departments is None:
        raise InvalidConfiguration(errors)
    kept = {d.id for d in departments}
    errors = _departments_in_use(config, kept)
    removed = sorted(set(config.departments) - kept)
    for department, count in (await ctx.complaints.open_counts(removed)).items():
        if count:
            errors.append(
                f"departments: '{department}' still has {count} open complaints and cannot"
                " be removed; transfer them first"
            )
    if errors:
        raise InvalidConfiguration(errors)
    normalized = [department_to_raw(d) for d in departments]
    if not await ctx.config.save_departments(next_version, normalized, by=by):
        raise VersionConflict(f"department set version {next_version} was activated meanwhile")
    await ctx.agents.set_memberships(departments, ctx.settings.routing_default_capacity)
    updated = await ctx.config.load()
    await publish_directory(ctx)
    await drain_departments(ctx, sorted(updated.departments))
    return updated


async def update_agent(
    ctx: RoutingContext, agent_id: str, changes: Mapping[str, Any]
) -> AgentRecord | None:
    """Change an agent's capacity, availability or skills; None for an unknown agent. An
    agent who can take more now (on duty, more capacity, new skills) drains its queues."""
    before = await ctx.agents.get(agent_id)
    if before is None:
        return None
    after = await ctx.agents.update(agent_id, dict(changes))
    if after is None:
        return None
    can_take_more = (
        (after.available and not before.available)
        or after.capacity > before.capacity
        or set(after.skills) - set(before.skills)
    )
    if after.available and can_take_more:
        await drain_departments(ctx, list(after.departments))
    return after


async def seed_defaults(ctx: RoutingContext) -> bool:
    """Store the default departments and rules if none exist; True if seeded."""
    rules_version, departments_version = await ctx.config.versions()
    seeded = False
    if departments_version == 0:
        departments, errors = validate_departments(DEFAULT_DEPARTMENTS)
        assert departments is not None, errors
        if await ctx.config.save_departments(1, DEFAULT_DEPARTMENTS, by="seed"):
            await ctx.agents.set_memberships(departments, ctx.settings.routing_default_capacity)
            seeded = True
    if rules_version == 0:
        seeded = await ctx.config.save_rule_set(DEFAULT_RULE_SET, by="seed") or seeded
    if seeded:
        log.info("seeded the default routing configuration")
    return seeded


async def load_configuration(ctx: RoutingContext) -> None:
    """At start-up: seed if allowed and needed, then load the active sets into memory."""
    if ctx.settings.routing_seed_defaults:
        await seed_defaults(ctx)
    try:
        await ctx.config.load()
    except ConfigMissing:
        raise ConfigMissing(
            "no routing configuration stored; set CLOSELOOP_ROUTING_SEED_DEFAULTS=true"
            " or store rules and departments first"
        ) from None


def agent_changes(
    capacity: int | None, available: bool | None, skills: list[str] | None
) -> Document:
    """The stored fields an agent update sets (only those given)."""
    changes: Document = {}
    if capacity is not None:
        changes["capacity"] = capacity
    if available is not None:
        changes["available"] = available
    if skills is not None:
        changes["skills"] = sorted({s.strip() for s in skills if s.strip()})
    return changes
