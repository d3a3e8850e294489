"""``/v1/complaints``: register, read, list and trace complaints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status

from closeloop_intake.adapters.complaint_queries import (
    ComplaintFilter,
    customer_history,
    search_complaints,
)
from closeloop_intake.entrypoints.deps import ADMITTED, Context, Creator, IdempotencyKey, Reader
from closeloop_intake.entrypoints.read_models import (
    ComplaintPage,
    ComplaintRead,
    ComplaintSummary,
    CustomerHistory,
    RevealedContact,
    Timeline,
)
from closeloop_intake.entrypoints.schemas import ComplaintCreate
from closeloop_intake.entrypoints.views import complaint_view, timeline_view
from closeloop_intake.service.actions import ComplaintNotFound
from closeloop_intake.service.contact_reveal import RevealRefused, reveal_contact
from closeloop_intake.service.registration import register_complaint
from closeloop_shared.events.common import Channel, Kind, Severity, Status
from closeloop_shared.http.errors import ApiError

router = APIRouter(prefix="/v1/complaints", tags=["complaints"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register a complaint",
    responses={409: {"description": "the Idempotency-Key was first sent with another body"}},
    dependencies=[ADMITTED],
)
async def create_complaint(
    body: ComplaintCreate,
    ctx: Context,
    actor: Creator,
    response: Response,
    idempotency_key: IdempotencyKey,
) -> ComplaintRead:
    """Register a complaint from any channel. With ``Idempotency-Key`` a retry returns the
    complaint first registered (header ``Idempotent-Replayed: true``); the same key with a
    different body is refused with 409 naming the fields that differ."""
    registered = await register_complaint(
        ctx=ctx,
        form=body.to_form(),
        actor=actor.sub,
        idempotency_key=idempotency_key,
        actor_roles=[r.value for r in actor.roles],
    )
    doc = registered.complaint
    response.headers["Location"] = f"/v1/complaints/{doc['_id']}"
    response.headers["ETag"] = f'"{doc["version"]}"'
    if not registered.created:
        response.headers["Idempotent-Replayed"] = "true"
    return complaint_view(doc, actor, ctx.vault)


Sort = Literal["-received_at", "deadline", "severity"]


def _contact(what: str) -> Any:
    return Query(min_length=1, max_length=200, description=f"find the caller: {what}")


@router.get("", summary="List complaints: filters, worklists, find the caller")
async def list_complaints(
    ctx: Context,
    actor: Reader,
    status: Status | None = None,
    department: Annotated[str | None, Query(max_length=100)] = None,
    severity: Severity | None = None,
    channel: Channel | None = None,
    kind: Kind | None = None,
    q: Annotated[str | None, Query(max_length=200, description="text search")] = None,
    assignee: Annotated[
        str | None,
        Query(min_length=1, max_length=100, description="`me` (the caller) or an agent id"),
    ] = None,
    sort: Annotated[
        Sort,
        Query(
            description="`-received_at` newest first; `deadline` next deadline first (breached "
            "and soonest on top, none last); `severity` most severe first, then deadline"
        ),
    ] = "-received_at",
    phone: Annotated[str | None, _contact("phone, any format")] = None,
    email: Annotated[str | None, _contact("e-mail, any case")] = None,
    customer_id: Annotated[str | None, _contact("customer id")] = None,
    name: Annotated[str | None, _contact("exact name (NFKC)")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ComplaintPage:
    """One page of complaints matching every given filter (department users: only their
    departments); ``next_cursor`` fetches the next page. A contact look-up (``phone``,
    ``email``, ``customer_id``, ``name``; needs ``pii:read``) goes through blind indexes
    and adds the customer's history."""
    contact = {"phone": phone, "email": email, "customer_id": customer_id, "name": name}
    blind = tuple((k, ctx.blind.index(k, v)) for k, v in contact.items() if v is not None)
    if blind and not actor.can_read_pii:
        raise ApiError(403, "forbidden", "finding a caller by contact needs the pii:read scope")
    scope = actor.departments if actor.department_scoped else None
    flt = ComplaintFilter(
        status=status,
        department=department,
        severity=severity,
        channel=channel,
        kind=kind,
        q=q,
        scope=scope,
        assignee=actor.sub if assignee == "me" else assignee,
        blind=blind,
    )
    docs, next_cursor = await search_complaints(
        ctx.repo.collection, flt, cursor=cursor, limit=limit, sort=sort, ends=ctx.repo.page_ends
    )
    items = [complaint_view(d, actor, ctx.vault) for d in docs]
    history = None
    if blind:
        count, last = await customer_history(ctx.repo.collection, blind, scope)
        summaries = [ComplaintSummary(id=d["_id"], **d) for d in last]
        history = CustomerHistory(repeat_count=count, last_complaints=summaries)
    return ComplaintPage(items=items, next_cursor=next_cursor, customer_history=history)


@router.get("/{complaint_id}", summary="Read a complaint")
async def get_complaint(
    complaint_id: str, ctx: Context, actor: Reader, response: Response
) -> ComplaintRead:
    """The complaint with contact data masked unless the caller has ``pii:read``."""
    doc = await ctx.repo.get(complaint_id)
    if doc is None or not actor.may_see(doc.get("department")):
        raise ComplaintNotFound(complaint_id)
    response.headers["ETag"] = f'"{doc["version"]}"'
    return complaint_view(doc, actor, ctx.vault)


@router.post(
    "/{complaint_id}/contact/reveal",
    summary="Reveal the contact data in clear (pii:read; recorded in the audit log)",
    responses={403: {"description": "the caller lacks pii:read"}, 404: {}},
)
async def post_contact_reveal(complaint_id: str, ctx: Context, actor: Reader) -> RevealedContact:
    """The complainant's contact data in clear. Each call publishes
    ``closeloop.intake.complaint.contact_revealed.v1`` (who, when, which fields; never the
    data), which the audit log chains into the complaint's trail."""
    try:
        return RevealedContact(**await reveal_contact(ctx, complaint_id, actor))
    except RevealRefused:
        raise ApiError(
            403, "pii_read_required", "revealing contact data needs the pii:read scope"
        ) from None


@router.get("/{complaint_id}/timeline", summary="Everything that happened, in order")
async def get_timeline(
    complaint_id: str,
    ctx: Context,
    actor: Reader,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,9}$", description="next_cursor of the page before")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 200,
) -> Timeline:
    """Every event the complaint published or had projected onto it, oldest first, a page
    at a time; ``next_cursor`` fetches the next page (absent on the last)."""
    start = int(cursor or 0)
    doc = await ctx.timeline.page(complaint_id, start=start, count=limit + 1)
    if doc is None or not actor.may_see(doc.get("department")):
        raise ComplaintNotFound(complaint_id)
    page = list(doc.get("timeline", []))
    more = len(page) > limit
    entries = timeline_view(page[:limit], actor, ctx.vault)
    next_cursor = str(start + limit) if more else None
    return Timeline(complaint_id=complaint_id, entries=entries, next_cursor=next_cursor)
