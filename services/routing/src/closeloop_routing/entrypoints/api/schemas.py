"""Request and response bodies of the routing API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from closeloop_routing.adapters.agent_pool import AgentRecord
from closeloop_routing.adapters.routing_store import RoutingRecord
from closeloop_shared.http.errors import ApiError


class AgentUpdate(BaseModel):
    """What may change about an agent; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    capacity: int | None = Field(default=None, ge=0, le=10_000)
    available: bool | None = None
    skills: list[str] | None = Field(default=None, max_length=100)


class AgentRead(BaseModel):
    """An agent: departments, skills, capacity, availability and current load."""

    id: str
    departments: list[str]
    skills: list[str]
    capacity: int
    available: bool
    open_count: int

    @classmethod
    def of(cls, agent: AgentRecord) -> AgentRead:
        return cls(
            id=agent.id,
            departments=list(agent.departments),
            skills=list(agent.skills),
            capacity=agent.capacity,
            available=agent.available,
            open_count=agent.open_count,
        )


class TransferCreate(BaseModel):
    """Hand a complaint to another department, saying why."""

    model_config = ConfigDict(extra="forbid")

    to_department: str = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=2000)


class AssignCreate(BaseModel):
    """Give a complaint to an agent of its department; beyond the agent's capacity (or
    while they are unavailable) only with a reason, which is recorded."""

    model_config = ConfigDict(extra="forbid")

    agent: str = Field(min_length=1, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)


class AssignmentRead(BaseModel):
    """One recorded assignment by a supervisor."""

    agent: str
    by: str
    reason: str | None = None
    over_capacity: bool
    previous_assignee: str | None = None
    at: datetime


class HandOffRead(BaseModel):
    """One recorded transfer."""

    from_department: str
    to_department: str
    reason: str
    by: str
    at: datetime
    previous_assignee: str | None = None


class RoutingRead(BaseModel):
    """Where a complaint is: department, owners, and the decision that put it there."""

    complaint_id: str
    department: str
    placement: str
    assignee: str | None
    co_owners: list[str]
    first_contact_owner: str | None
    queue: str | None
    skill: str | None
    rule_id: str | None
    rule_set_version: int | None
    reason: str | None
    breaches: int
    escalation_level: int = 0
    transfers: list[HandOffRead]
    assignments: list[AssignmentRead] = []

    @classmethod
    def of(cls, record: RoutingRecord) -> RoutingRead:
        decision: dict[str, Any] = record.doc.get("decision") or {}
        return cls(
            complaint_id=record.complaint_id,
            department=record.department,
            placement=record.placement.value,
            assignee=record.ownership.assignee,
            co_owners=list(record.ownership.co_owners),
            first_contact_owner=record.ownership.first_contact_owner,
            queue=record.queue,
            skill=record.skill,
            rule_id=decision.get("rule_id"),
            rule_set_version=decision.get("rule_set_version"),
            reason=decision.get("reason"),
            breaches=record.breaches,
            escalation_level=record.escalation_level,
            transfers=[
                HandOffRead(
                    from_department=t["from"],
                    to_department=t["to"],
                    reason=t["reason"],
                    by=t["by"],
                    at=t["at"],
                    previous_assignee=t.get("previous_assignee"),
                )
                for t in record.doc.get("transfers") or ()
            ],
            assignments=[
                AssignmentRead.model_validate(a) for a in record.doc.get("assignments") or ()
            ],
        )


class DepartmentsRead(BaseModel):
    """The active department set and its version."""

    version: int
    departments: list[dict[str, Any]]


def invalid(what: str, errors: list[str]) -> ApiError:
    """422 naming each problem of a rejected rule or department set."""
    fields = []
    for error in errors:
        where, _, problem = error.partition(": ")
        fields.append({"field": where, "problem": problem or error})
    return ApiError(
        422,
        "validation_failed",
        f"the {what} was rejected ({len(errors)} problems); the active one stays in force",
        fields=fields,
    )
