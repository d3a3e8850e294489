"""One complaint: record (contact masked), timeline, clocks, notifications, survey and
every allowed lifecycle action as a form."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from closeloop_console.adapters.upstream import Answer
from closeloop_console.domain.forms import FormErrors, action_fields, body_from_form, place_errors
from closeloop_console.domain.masking import masked_customer
from closeloop_console.domain.urgency import next_countdown
from closeloop_console.entrypoints.session import User
from closeloop_console.entrypoints.web.deps import items_of, note_failure, upstreams
from closeloop_console.entrypoints.web.guards import UserDep, posted_form
from closeloop_console.entrypoints.web.render import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@router.get("/complaints/{complaint_id}")
async def complaint_page(request: Request, user: UserDep, complaint_id: str) -> Response:
    return await _page(request, user, complaint_id)


@router.post("/complaints/{complaint_id}/reveal")
async def reveal(request: Request, user: UserDep, complaint_id: str) -> Response:
    """Show contact data in clear. Intake decides (``pii:read`` only) and records the reveal
    in the audit log; the console shows only what intake returned."""
    await posted_form(request, user)
    answer = await upstreams(request).call(
        "intake", "POST", f"/v1/complaints/{complaint_id}/contact/reveal", user.token
    )
    note_failure("intake", answer)
    if answer.ok and isinstance(answer.body, dict):
        return await _page(request, user, complaint_id, revealed=answer.body)
    log.info(
        "contact reveal refused",
        extra={"complaint_id": complaint_id, "subject": user.sub, "status": answer.status},
    )
    return await _page(request, user, complaint_id, status=answer.status)


@router.post("/complaints/{complaint_id}/actions/{action}")
async def perform(request: Request, user: UserDep, complaint_id: str, action: str) -> Response:
    form = await posted_form(request, user)
    fields = action_fields(action)
    body = body_from_form(fields, form)
    headers = {"If-Match": f'"{form["version"]}"'} if form.get("version", "").isdigit() else {}
    answer = await upstreams(request).call(
        "intake",
        "POST",
        f"/v1/complaints/{complaint_id}/{action}",
        user.token,
        json=body,
        headers=headers,
    )
    note_failure("intake", answer)
    if answer.ok:
        request.app.state.presence.changed(complaint_id, user.sub, action)
        return RedirectResponse(f"/complaints/{complaint_id}?done={action}", status_code=303)
    if answer.status == 409 and answer.error_code == "version_conflict":
        errors = FormErrors(general=["stale"])
    else:
        errors = place_errors(fields, answer.body if isinstance(answer.body, dict) else {})
    return await _page(
        request, user, complaint_id, failed=action, errors=errors, values=form, status=answer.status
    )


async def _page(
    request: Request,
    user: User,
    complaint_id: str,
    *,
    revealed: dict[str, object] | None = None,
    failed: str = "",
    errors: FormErrors | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    up = upstreams(request)
    complaint, timeline, clocks, notices, surveys = await asyncio.gather(
        up.get("intake", f"/v1/complaints/{complaint_id}", user.token),
        up.get("intake", f"/v1/complaints/{complaint_id}/timeline", user.token),
        up.get("sla", f"/v1/sla/complaints/{complaint_id}", user.token),
        up.get("feedback", f"/v1/complaints/{complaint_id}/notifications", user.token),
        up.get("feedback", f"/v1/complaints/{complaint_id}/surveys", user.token),
    )
    note_failure("intake", complaint)
    if not complaint.ok:
        code = complaint.status if complaint.status in {403, 404} else 502
        return render(request, "not_found.html", user, code, answer=complaint)
    record = dict(complaint.body)
    record["customer"] = masked_customer(record.get("customer") or {}, revealed=revealed)
    now = datetime.now(UTC)
    actions = [(a, action_fields(a)) for a in record.get("allowed_actions", [])]
    return render(
        request,
        "complaint.html",
        user,
        status=200 if status < 400 else status,
        c=record,
        countdown=next_countdown(record.get("sla") or {}, now),
        now=now,
        timeline=_entries(timeline),
        clocks=_clocks(clocks),
        notices=items_of(notices),
        notices_answer=notices,
        surveys=items_of(surveys),
        surveys_answer=surveys,
        actions=actions,
        failed=failed,
        errors=errors or FormErrors(),
        values=values or {},
        revealed=revealed is not None,
        done=request.query_params.get("done", ""),
    )


def _entries(answer: Answer) -> list[dict[str, object]]:
    if answer.ok and isinstance(answer.body, dict):
        return [e for e in answer.body.get("entries", []) if isinstance(e, dict)]
    return []


def _clocks(answer: Answer) -> list[dict[str, object]]:
    body = answer.body
    if not answer.ok:
        return []
    if isinstance(body, dict) and isinstance(body.get("clocks"), list):
        return [c for c in body["clocks"] if isinstance(c, dict)]
    if isinstance(body, dict) and isinstance(body.get("clocks"), dict):
        return [{"clock": k, **v} for k, v in body["clocks"].items() if isinstance(v, dict)]
    return items_of(answer)
