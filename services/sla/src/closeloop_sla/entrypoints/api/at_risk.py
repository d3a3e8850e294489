"""``GET /v1/sla/at-risk``: what breaches next, most urgent first, from the worker's
in-memory at-risk index (no table scan): breached clocks first (their deadline passed),
then running clocks by deadline, up to ``now + within``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response

from closeloop_shared.auth import Principal, Role
from closeloop_shared.durations import parse_duration
from closeloop_shared.http.errors import ApiError
from closeloop_sla.domain.at_risk import remaining_working_time
from closeloop_sla.entrypoints.api.deps import Container, Reader
from closeloop_sla.entrypoints.api.schemas import AtRiskClockRead, AtRiskPage
from closeloop_sla.service.at_risk_index import AtRiskEntry

router = APIRouter(prefix="/v1/sla", tags=["clocks"])
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def caller_departments(caller: Principal) -> frozenset[str] | None:
    """The departments the caller's list covers: a department user's own; for staff the
    departments their token names (None, all, for staff whose token names none, e.g. an
    administrator)."""
    if caller.has(Role.department) and not caller.has(Role.admin, Role.supervisor, Role.agent):
        return caller.departments
    return caller.departments or None


def _within(text: str) -> timedelta:
    try:
        span = parse_duration(text)
    except ValueError as exc:
        field = [{"field": "within", "problem": str(exc)}]
        raise ApiError(422, "validation_failed", "invalid request: within", fields=field) from None
    return timedelta(days=span.days) + span.time


@router.get("/at-risk", summary="What breaches next, most urgent first", response_model=AtRiskPage)
async def at_risk(
    parts: Container,
    caller: Reader,
    within: Annotated[
        str,
        Query(
            max_length=40,
            description="ISO-8601 window from now (wall-clock; P1D = 24 h): clocks whose "
            "deadline falls before now + within, breached ones included",
        ),
    ] = "PT2H",
    department: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    severity: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """Running and breached clocks of the caller's departments, most urgent first: each
    with complaint id, clock, deadline, remaining working time, state and owner."""
    now = datetime.now(UTC)
    until = now + _within(within)
    scope = caller_departments(caller)
    if department is not None:
        scope = frozenset({department}) & scope if scope is not None else frozenset({department})
    until_us = (until - _EPOCH) // timedelta(microseconds=1)
    found = parts.schedule.at_risk.due_by(until_us, departments=scope, severity=severity)
    items: list[AtRiskClockRead] = []
    truncated = False
    for entry in found:
        if len(items) == limit:
            truncated = True
            break
        items.append(_row(parts, entry, now))
    page = AtRiskPage(as_of=now, until=until, items=items, truncated=truncated)
    # Serialised once here: the page is already validated, and a second validation and
    # dump by FastAPI would cost as much again on this hot path.
    return Response(page.model_dump_json(), media_type="application/json")


def _row(parts: Container, entry: AtRiskEntry, now: datetime) -> AtRiskClockRead:
    """The list row of ``entry``; the remaining working time comes from the index entry
    and the clock's calendar (no row is read or decoded)."""
    clock = entry.clock
    remaining = remaining_working_time(clock, parts.library.calendar(clock.calendar), now)
    return AtRiskClockRead(
        complaint_id=entry.complaint_id,
        clock=clock.kind,
        deadline=_EPOCH + timedelta(microseconds=entry.deadline_us),
        remaining_working_seconds=remaining.total_seconds(),
        state=clock.state,
        owner=entry.owner,
        department=entry.department,
        severity=entry.severity,
    )
