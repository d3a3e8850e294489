"""Registering a complaint from any channel: validate, grade, link possible duplicates,
seal the contact details and store the complaint with its ``received`` events."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from closeloop_intake.domain.duplicates import ComplaintSnapshot, find_possible_duplicates
from closeloop_intake.domain.errors import InvalidInput
from closeloop_intake.domain.privacy import normalize_phone
from closeloop_intake.domain.registration import Registration, RegistrationForm
from closeloop_intake.domain.registration import validate_registration as validate
from closeloop_intake.metrics import COMPLAINTS_RECEIVED
from closeloop_intake.service.announcements import announce, utc_now
from closeloop_intake.service.context import ServiceContext
from closeloop_intake.service.redaction import redact_text
from closeloop_shared.events.common import ActedBy
from closeloop_shared.events.intake import ComplaintReceived
from closeloop_shared.mongo import Document
from closeloop_shared.segmentation import word_spans


class IdempotencyConflict(Exception):
    """The Idempotency-Key was used before with a different request (HTTP 409)."""

    def __init__(self, complaint_id: str, fields: list[str]) -> None:
        super().__init__(f"Idempotency-Key already used for {complaint_id} with other values")
        self.complaint_id = complaint_id
        self.fields = fields


@dataclass(frozen=True)
class Registered:
    """The stored complaint; ``created`` is False for an idempotent replay."""

    complaint: Document
    created: bool


def _fingerprint(ctx: ServiceContext, form: RegistrationForm) -> dict[str, str]:
    """A keyed digest per request field, to name the fields a conflicting retry changed."""
    values: dict[str, Any] = asdict(form)
    flat = {k: v for k, v in values.items() if k != "customer"}
    flat |= {f"customer.{k}": v for k, v in values["customer"].items()}
    return {
        name: ctx.vault.fingerprint(json.dumps(value, sort_keys=True, default=str))
        for name, value in flat.items()
    }


def _replay(existing: Document, fingerprint: dict[str, str]) -> Registered:
    before: dict[str, str] = existing.get("request_fingerprint", {})
    changed = sorted(
        k for k in before.keys() | fingerprint.keys() if before.get(k) != fingerprint.get(k)
    )
    if changed:
        raise IdempotencyConflict(existing["_id"], changed)
    return Registered(existing, created=False)


async def _possible_duplicates(
    ctx: ServiceContext, registration: Registration, pseudonym: str, at: datetime, anonymous: bool
) -> list[str]:
    if anonymous:
        return []
    form, policy = registration.form, ctx.policy
    since = at - policy.duplicate_window
    candidates = [
        ComplaintSnapshot(
            pseudonym,
            f"{d.get('description', '')}\n{d.get('demand', '')}",
            d["received_at"],
            d["_id"],
        )
        for d in await ctx.repo.recent_of_customer(pseudonym, since)
    ]
    new = ComplaintSnapshot(pseudonym, f"{form.description}\n{form.demand}", at)
    matches = find_possible_duplicates(
        new, candidates, window=policy.duplicate_window, threshold=policy.duplicate_threshold
    )
    return [m.id for m in matches]


def _document(ctx: ServiceContext, reg: Registration, complaint_id: str, at: datetime) -> Document:
    form, customer = reg.form, reg.form.customer
    if customer.phone:
        customer = type(customer)(**{**asdict(customer), "phone": normalize_phone(customer.phone)})
    owner = form.received_by
    return {
        "_id": complaint_id,
        "version": 1,
        "status": "received",
        "channel": form.channel,
        "kind": form.kind,
        "category": reg.category,
        "severity": reg.severity,
        "severity_reason": reg.severity_reason,
        "category_reason": reg.category_reason,
        "language": reg.language,
        "customer_sealed": ctx.vault.seal_customer(customer, reg.language),
        "customer_tier": customer.tier,
        "contact_methods": customer.contact_methods(),
        **{k: getattr(form, k) for k in ("description", "demand", "location", "against")},
        **{k: getattr(form, k) for k in ("region", "product", "occurred_at")},
        "attachments": [asdict(a) for a in form.attachments],
        "received_at": at,
        "updated_at": at,
        "received_by": owner,
        "first_contact_owner": owner,
        "department": None,
        "assignee": None,
        "sla": {},
        "applied_events": [],
    }


async def register_complaint(
    *,
    ctx: ServiceContext,
    form: RegistrationForm,
    actor: str,
    idempotency_key: str | None,
    actor_roles: Iterable[str] = ("channel",),
) -> Registered:
    """Register ``form`` received by ``actor``; with ``idempotency_key`` a retry returns
    the complaint first registered (or raises :class:`IdempotencyConflict`).

    Raises :class:`~closeloop_intake.domain.errors.InvalidInput` naming every bad field.
    """
    scoped_key = f"{actor}:{idempotency_key}" if idempotency_key else None
    fingerprint = _fingerprint(ctx, form) if scoped_key else {}
    if form.received_by is None:
        form = type(form)(**{**form.__dict__, "received_by": actor})
    policy = ctx.policy
    try:
        reg = validate(
            form,
            taxonomy=policy.taxonomy,
            rules=policy.rules,
            limits=policy.limits,
            category_rules=policy.category_rules,
            spans=word_spans,
        )
    except InvalidInput:
        # A retry with a changed, now invalid body is still a conflict with the first one.
        if scoped_key and (existing := await ctx.repo.by_idempotency_key(scoped_key)):
            return _replay(existing, fingerprint)
        raise
    at = utc_now()
    complaint_id = f"CMP-{at:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"
    doc = _document(ctx, reg, complaint_id, at)
    anonymous = not (form.customer.customer_id or form.customer.phone or form.customer.email)
    doc["customer_pseudonym"] = ctx.vault.pseudonym_of(form.customer, fallback=complaint_id)
    doc["possible_duplicates"] = await _possible_duplicates(
        ctx, reg, doc["customer_pseudonym"], at, anonymous
    )
    if scoped_key:
        doc |= {"idempotency_key": scoped_key, "request_fingerprint": fingerprint}
    received = _received_event(doc, reg)
    acted_by = ActedBy.of(actor, actor_roles)
    events, timeline = announce(doc, received, actor=actor, at=at, acted_by=acted_by)
    # No look-up of the key first: the unique index refuses a reused key, so only retries
    # (rare) pay a second round trip, not every registration.
    try:
        await ctx.repo.insert(doc, events, timeline)
    except DuplicateKeyError:
        existing = await ctx.repo.by_idempotency_key(scoped_key or "")
        if existing is None:
            raise
        return _replay(existing, fingerprint)  # a retry, or a concurrent one that won
    COMPLAINTS_RECEIVED.labels(doc["channel"], doc["kind"], doc["severity"]).inc()
    return Registered(doc, created=True)


def _received_event(doc: Document, reg: Registration) -> ComplaintReceived:
    customer = reg.form.customer
    text = redact_text(
        f"{doc['description']}\n{doc['demand']}".strip(),
        names=[customer.name],
        phones=[customer.phone],
        emails=[customer.email],
        addresses=[customer.address],
    )
    return ComplaintReceived(
        complaint_id=doc["_id"],
        at=doc["received_at"],
        received_at=doc["received_at"],
        occurred_at=doc["occurred_at"],
        channel=doc["channel"],
        kind=doc["kind"],
        category=doc["category"],
        severity=doc["severity"],
        severity_reason=doc["severity_reason"],
        category_reason=doc["category_reason"],
        customer_pseudonym=doc["customer_pseudonym"],
        customer_tier=doc["customer_tier"],
        region=doc["region"],
        product=doc["product"],
        language=doc["language"],
        text=text,
        received_by=doc["received_by"],
        contact_methods=doc["contact_methods"],
        customer_sealed=doc["customer_sealed"],
        possible_duplicates=doc["possible_duplicates"],
    )
