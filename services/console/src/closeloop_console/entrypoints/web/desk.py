"""Register a phone or walk-in complaint, look a caller up, staff notifications, reports."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from closeloop_console.domain.forms import NEW_COMPLAINT_FIELDS, body_from_form, place_errors
from closeloop_console.entrypoints.session import User
from closeloop_console.entrypoints.web.deps import items_of, note_failure, upstreams
from closeloop_console.entrypoints.web.guards import UserDep, posted_form
from closeloop_console.entrypoints.web.render import render

router = APIRouter(include_in_schema=False)
LOOKUP_KEYS = ("phone", "email", "name")


@router.get("/new")
async def new_form(request: Request, user: UserDep) -> Response:
    return render(
        request,
        "new.html",
        user,
        fields=NEW_COMPLAINT_FIELDS,
        values={"channel": "phone"},
        errors=None,
    )


@router.post("/new")
async def register(request: Request, user: UserDep) -> Response:
    form = await posted_form(request, user)
    body = body_from_form(NEW_COMPLAINT_FIELDS, form)
    body.setdefault("received_by", user.sub)
    answer = await upstreams(request).call(
        "intake", "POST", "/v1/complaints", user.token, json=body
    )
    note_failure("intake", answer)
    if answer.ok and isinstance(answer.body, dict):
        return RedirectResponse(f"/complaints/{answer.body['id']}", status_code=303)
    errors = place_errors(
        NEW_COMPLAINT_FIELDS, answer.body if isinstance(answer.body, dict) else {}
    )
    return render(
        request,
        "new.html",
        user,
        status=answer.status,
        fields=NEW_COMPLAINT_FIELDS,
        values=form,
        errors=errors,
    )


@router.get("/new/history")
async def caller_history(request: Request, user: UserDep) -> Response:
    """As the agent types the phone number: the caller's earlier complaints (htmx fragment)."""
    phone = (
        request.query_params.get("customer.phone") or request.query_params.get("phone", "")
    ).strip()
    lookup = await _lookup(request, user, {"phone": phone}) if len(phone) >= 6 else None
    return render(request, "history.html", user, lookup=lookup)


@router.get("/lookup")
async def lookup(request: Request, user: UserDep) -> Response:
    query = {k: request.query_params.get(k, "").strip() for k in LOOKUP_KEYS}
    found = await _lookup(request, user, query) if any(query.values()) else None
    return render(request, "lookup.html", user, query=query, lookup=found)


async def _lookup(request: Request, user: User, query: dict[str, str]) -> dict[str, object]:
    """Lookup through intake's blind indexes, only once intake offers them: an intake that
    does not know ``phone=`` would ignore it and answer with every complaint."""
    up = upstreams(request)
    asked = {k: v for k, v in query.items() if v}
    for key in asked:
        if not await up.offers("intake", "get", "/v1/complaints", key):
            return {"available": False, "items": [], "problem": None}
    answer = await up.get("intake", "/v1/complaints", user.token, limit=50, **asked)
    note_failure("intake", answer)
    if answer.missing_endpoint:
        return {"available": False, "items": [], "problem": None}
    problem = None if answer.ok else answer
    history = answer.body.get("history") if isinstance(answer.body, dict) else None
    return {"available": True, "items": items_of(answer), "problem": problem, "history": history}


@router.get("/notifications")
async def notifications(request: Request, user: UserDep) -> Response:
    answer = await upstreams(request).get("feedback", "/v1/notifications", user.token)
    note_failure("feedback", answer)
    return render(request, "notifications.html", user, answer=answer, rows=items_of(answer))


@router.post("/notifications/{notification_id}/read")
async def mark_read(request: Request, user: UserDep, notification_id: str) -> Response:
    await posted_form(request, user)
    answer = await upstreams(request).call(
        "feedback", "POST", f"/v1/notifications/{notification_id}/read", user.token
    )
    note_failure("feedback", answer)
    return RedirectResponse("/notifications", status_code=303)


@router.get("/notifications/badge")
async def unread_badge(request: Request, user: UserDep) -> Response:
    """The unread count every page loads lazily (empty when feedback does not offer it)."""
    answer = await upstreams(request).get(
        "feedback", "/v1/notifications", user.token, unread="true"
    )
    rows = items_of(answer) if answer.ok else []
    unread = sum(1 for n in rows if not (n.get("read") or n.get("read_at")))
    return render(request, "badge.html", user, unread=unread, available=answer.ok)


@router.get("/reports")
async def reports(request: Request, user: UserDep) -> Response:
    up = upstreams(request)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    day = request.query_params.get("date") or yesterday
    group_by = request.query_params.get("group_by") or "department"
    # Independent reports: asked together, so the page waits for the slower one only.
    daily, kpi = await asyncio.gather(
        up.get("feedback", "/v1/reports/daily", user.token, date=day),
        up.get("feedback", "/v1/reports/kpi", user.token, group_by=group_by),
    )
    note_failure("feedback", daily)
    return render(
        request,
        "reports.html",
        user,
        daily=daily,
        kpi=kpi,
        day=day,
        group_by=group_by,
        charts=_bars(daily.body if daily.ok and isinstance(daily.body, dict) else {}),
        kpi_rows=_rows(kpi.body) if kpi.ok else [],
    )


@router.get("/reports/download")
async def download(request: Request, user: UserDep) -> Response:
    """The daily report (CSV) or the service report (HTML, Markdown, PDF), passed through."""
    kind = request.query_params.get("kind", "daily")
    if kind == "service":
        path, params = (
            "/v1/reports/service",
            {
                "period": request.query_params.get("period", ""),
                "format": request.query_params.get("format", "html"),
            },
        )
    else:
        path, params = (
            "/v1/reports/daily",
            {"date": request.query_params.get("date", ""), "format": "csv"},
        )
    reply = await upstreams(request).raw(
        "feedback", path, user.token, {k: v for k, v in params.items() if v}
    )
    keep = {
        k: v
        for k, v in reply.headers.items()
        if k.lower() in {"content-type", "content-disposition"}
    }
    return Response(reply.content, status_code=reply.status_code, headers=keep)


def _rows(body: object) -> list[dict[str, object]]:
    """The first list of records in a report (KPIs per department or agent)."""
    if isinstance(body, list):
        return [r for r in body if isinstance(r, dict)]
    if isinstance(body, dict):
        for value in body.values():
            if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
                return value
    return []


def _bars(report: dict[str, object]) -> list[dict[str, object]]:
    """Every ``{label: count}`` breakdown of the daily report as a bar chart (CSS widths)."""
    charts: list[dict[str, object]] = []
    for name, value in report.items():
        if (
            isinstance(value, dict)
            and value
            and all(isinstance(v, int | float) for v in value.values())
        ):
            top = max(float(v) for v in value.values()) or 1.0
            bars = [(str(k), v, round(100 * float(v) / top)) for k, v in value.items()]
            charts.append({"name": name, "bars": bars})
    return charts
