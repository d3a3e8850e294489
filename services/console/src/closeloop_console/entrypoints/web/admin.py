"""Administration: routing rules, departments, agents, SLA policies and calendars, edited as
validated JSON; a service's 422 is listed field by field."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from closeloop_console.adapters.upstream import Answer
from closeloop_console.domain.forms import FormErrors, place_errors
from closeloop_console.entrypoints.session import User
from closeloop_console.entrypoints.web.deps import items_of, note_failure, upstreams
from closeloop_console.entrypoints.web.guards import UserDep, posted_form, require_admin
from closeloop_console.entrypoints.web.render import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    service: str
    path: str


SECTIONS = (
    Section("rules", "Routing rules", "routing", "/v1/routing/rules"),
    Section("departments", "Departments", "routing", "/v1/routing/departments"),
    Section("policies", "SLA policies", "sla", "/v1/sla/policies"),
    Section("calendars", "Business calendars", "sla", "/v1/sla/calendars"),
)
BY_KEY = {s.key: s for s in SECTIONS}


@router.get("/admin")
async def admin(request: Request, user: UserDep) -> Response:
    require_admin(user)
    return await _page(request, user)


@router.post("/admin/{key}")
async def save(request: Request, user: UserDep, key: str) -> Response:
    require_admin(user)
    form = await posted_form(request, user)
    section = BY_KEY.get(key)
    if section is None:
        return Response(status_code=404)
    text = form.get("document", "")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        errors = FormErrors(by_field={"document": [problem]})
        return await _page(request, user, key, errors, text, status=422)
    answer = await upstreams(request).call(
        section.service, "PUT", section.path, user.token, json=document
    )
    note_failure(section.service, answer)
    if answer.ok:
        return RedirectResponse(f"/admin?saved={key}#{key}", status_code=303)
    body = answer.body if isinstance(answer.body, dict) else {"message": str(answer.body)}
    errors = place_errors([], body)
    return await _page(request, user, key, errors, text, status=answer.status)


@router.post("/admin/agents/{agent_id}")
async def save_agent(request: Request, user: UserDep, agent_id: str) -> Response:
    require_admin(user)
    form = await posted_form(request, user)
    body: dict[str, object] = {"available": form.get("available") == "on"}
    if form.get("capacity", "").strip():
        body["capacity"] = form["capacity"].strip()
    answer = await upstreams(request).call(
        "routing", "PUT", f"/v1/routing/agents/{agent_id}", user.token, json=body
    )
    note_failure("routing", answer)
    if answer.ok:
        return RedirectResponse("/admin?saved=agents#agents", status_code=303)
    errors = place_errors(
        ["capacity", "available"], answer.body if isinstance(answer.body, dict) else {}
    )
    return await _page(request, user, "agents", errors, "", status=answer.status, agent=agent_id)


async def _page(
    request: Request,
    user: User,
    failed: str = "",
    errors: FormErrors | None = None,
    text: str = "",
    status: int = 200,
    agent: str = "",
) -> Response:
    up = upstreams(request)
    # Five independent reads from two services: asked together, not one after another.
    *replies, agents = await asyncio.gather(
        *(up.get(section.service, section.path, user.token) for section in SECTIONS),
        up.get("routing", "/v1/routing/agents", user.token),
    )
    answers: dict[str, Answer] = {s.key: a for s, a in zip(SECTIONS, replies, strict=True)}
    documents = {
        key: json.dumps(answer.body, indent=2, ensure_ascii=False) if answer.ok else ""
        for key, answer in answers.items()
    }
    if failed in documents:
        documents[failed] = text
    return render(
        request,
        "admin.html",
        user,
        status=status,
        sections=SECTIONS,
        documents=documents,
        answers=answers,
        agents=items_of(agents),
        failed=failed,
        failed_agent=agent,
        errors=errors or FormErrors(),
        saved=request.query_params.get("saved", ""),
    )
