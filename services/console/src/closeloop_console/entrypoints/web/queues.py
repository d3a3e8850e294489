"""My queue, the team's queue with take and assign, and the at-risk board (live)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from closeloop_console.adapters.live import LiveHub
from closeloop_console.adapters.upstream import Answer
from closeloop_console.domain.urgency import mine, queue_order
from closeloop_console.entrypoints.web.deps import (
    event_stream,
    items_of,
    note_failure,
    upstreams,
)
from closeloop_console.entrypoints.web.guards import UserDep, posted_form
from closeloop_console.entrypoints.web.render import render

router = APIRouter(include_in_schema=False)
OPEN = {"received", "acknowledged", "in_progress", "awaiting_customer"}
TEAM_PAGE = 50


@router.get("/")
async def my_queue(request: Request, user: UserDep) -> Response:
    return render(request, "queue.html", user, **await _mine(request, user))


@router.get("/queue/board")
async def my_queue_board(request: Request, user: UserDep) -> Response:
    """The queue alone (the page swaps it in when one of its complaints is assigned)."""
    return render(request, "queue_board.html", user, **await _mine(request, user))


@router.get("/queue/events")
async def my_queue_events(request: Request, user: UserDep) -> Response:
    """Server-sent events: one ``assigned`` event per complaint given to the caller."""
    assignments: LiveHub = request.app.state.assignments
    mine_only = assignments.subscribe(lambda event: user.sub in event["owners"])
    return event_stream(request, mine_only, lambda _: "assigned")


async def _mine(request: Request, user: UserDep) -> dict[str, Any]:
    up = upstreams(request)
    if await up.offers("intake", "get", "/v1/complaints", "assignee"):
        answer = await up.get(
            "intake", "/v1/complaints", user.token, assignee="me", sort="deadline", limit=200
        )
    else:  # older intake: read open complaints and keep the caller's (see `mine`)
        answer = await up.get("intake", "/v1/complaints", user.token, limit=200)
    note_failure("intake", answer)
    rows = [c for c in mine(items_of(answer), user.sub) if c.get("status") in OPEN]
    now = datetime.now(UTC)
    return {"answer": answer, "rows": queue_order(rows, now), "now": now}


@router.get("/team")
async def team(request: Request, user: UserDep, department: str = "") -> Response:
    up = upstreams(request)
    departments = sorted(user.principal.departments)
    chosen = department or (departments[0] if departments else "")
    # A page of the most urgent (next deadline first); "more" follows intake's cursor. All
    # of a busy department at once was hundreds of kilobytes and half a second to render.
    cursor = request.query_params.get("cursor", "")
    answer, agents = await asyncio.gather(
        up.get(
            "intake",
            "/v1/complaints",
            user.token,
            department=chosen,
            sort="deadline",
            limit=TEAM_PAGE,
            cursor=cursor,
        ),
        up.get("routing", "/v1/routing/agents", user.token, department=chosen),
    )
    note_failure("intake", answer)
    more = answer.body.get("next_cursor") if isinstance(answer.body, dict) else None
    now = datetime.now(UTC)
    rows = [c for c in items_of(answer) if c.get("status") in OPEN]
    queued = queue_order([c for c in rows if not c.get("assignee")], now)
    assigned = queue_order([c for c in rows if c.get("assignee")], now)
    return render(
        request,
        "team.html",
        user,
        answer=answer,
        queued=queued,
        assigned=assigned,
        agents=items_of(agents),
        department=chosen,
        departments=departments,
        now=now,
        outcome=request.query_params.get("outcome", ""),
        more=more,
        paged=bool(cursor),
    )


@router.post("/team/{complaint_id}/{verb}")
async def take_or_assign(request: Request, user: UserDep, complaint_id: str, verb: str) -> Response:
    form = await posted_form(request, user)
    if verb not in {"take", "assign"}:
        return Response(status_code=404)
    body = None
    if verb == "assign":
        body = {"agent": form.get("agent", "")}
        if form.get("reason"):
            body["reason"] = form["reason"]
    answer = await upstreams(request).call(
        "routing", "POST", f"/v1/complaints/{complaint_id}/{verb}", user.token, json=body
    )
    note_failure("routing", answer)
    outcome = _outcome(answer)
    department = form.get("department", "")
    return RedirectResponse(f"/team?department={department}&outcome={outcome}", status_code=303)


def _outcome(answer: Answer) -> str:
    if answer.ok:
        return "done"
    if answer.missing_endpoint:
        return "unavailable"
    if answer.status == 409:
        return "conflict"
    return "refused"


@router.get("/at-risk")
async def at_risk(request: Request, user: UserDep) -> Response:
    return render(request, "at_risk.html", user, **await _board(request, user))


@router.get("/at-risk/board")
async def at_risk_board(request: Request, user: UserDep) -> Response:
    """The board alone (htmx swaps it in when a clock event arrives)."""
    return render(request, "at_risk_board.html", user, **await _board(request, user))


async def _board(request: Request, user: UserDep) -> dict[str, Any]:
    params = {
        "within": request.query_params.get("within", "PT2H"),
        "department": request.query_params.get("department", ""),
        "severity": request.query_params.get("severity", ""),
    }
    answer = await upstreams(request).get("sla", "/v1/sla/at-risk", user.token, **params)
    note_failure("sla", answer)
    return {"answer": answer, "rows": items_of(answer), "params": params}


@router.get("/at-risk/events")
async def at_risk_events(request: Request, user: UserDep) -> Response:
    """Server-sent events: one ``clock`` event per SLA clock change, as it happens."""
    hub: LiveHub = request.app.state.live
    return event_stream(request, hub.subscribe(), lambda _: "clock")
