"""Revealing a complaint's contact data in clear, as an audited act.

Intake owns the sealed original; whoever is shown it in clear (``pii:read`` only) is
recorded by a ``ContactRevealed`` event on the complaint's lifecycle, which the audit
service chains like every other record. The event names who, when and which fields were
shown, never their values."""

from __future__ import annotations

from typing import Any

from closeloop_intake.service.actions import ComplaintNotFound
from closeloop_intake.service.announcements import timeline_entry, utc_now
from closeloop_intake.service.context import SOURCE, Actor, ServiceContext
from closeloop_shared.events.common import ActedBy
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.intake import ContactRevealed

CONTACT_FIELDS = ("name", "phone", "email", "address", "customer_id")


class RevealRefused(PermissionError):
    """The caller lacks ``pii:read`` (HTTP 403)."""


async def reveal_contact(ctx: ServiceContext, complaint_id: str, actor: Actor) -> dict[str, Any]:
    """The complaint's contact data in clear, after recording who was shown it."""
    doc = await ctx.repo.get(complaint_id)
    if doc is None or not actor.may_see(doc.get("department")):
        raise ComplaintNotFound(complaint_id)
    if not actor.can_read_pii:
        raise RevealRefused(complaint_id)
    contact = ctx.vault.open_customer(doc.get("customer_sealed"))
    shown = {name: contact.get(name) for name in CONTACT_FIELDS}
    at = utc_now()
    data = ContactRevealed(
        complaint_id=complaint_id,
        at=at,
        actor=actor.sub,
        acted_by=ActedBy.of(actor.sub, (r.value for r in actor.roles)),
        fields=[name for name, value in shown.items() if value],
    )
    event = CloudEvent.of(data, source=SOURCE, subject=complaint_id, time=at)
    timeline = [timeline_entry(event, actor=actor.sub)]
    if not await ctx.repo.record_access(complaint_id, events=[event], timeline=timeline):
        raise ComplaintNotFound(complaint_id)
    return shown
