"""What a caller sees of a complaint: contact data in clear only with ``pii:read``, masked
otherwise, and withheld entirely from auditors; free text redacted for non-PII readers."""

from __future__ import annotations

from typing import Any

from closeloop_intake.adapters.customer_vault import CustomerVault
from closeloop_intake.domain import privacy
from closeloop_intake.domain.lifecycle import Role
from closeloop_intake.entrypoints.read_models import ComplaintRead, CustomerRead, TimelineEntry
from closeloop_intake.service.actions import allowed_for
from closeloop_intake.service.context import Actor
from closeloop_intake.service.redaction import redact_text
from closeloop_shared.mongo import Document

_MASKS = {
    "name": privacy.mask_name,
    "phone": privacy.mask_phone,
    "email": privacy.mask_email,
    "address": privacy.mask_address,
    "customer_id": privacy.mask_identifier,
}


def _withheld(actor: Actor) -> bool:
    """Auditors see no contact data at all, not even masked."""
    return Role.AUDITOR in actor.roles and not actor.can_read_pii


def customer_view(doc: Document, contact: dict[str, Any], actor: Actor) -> CustomerRead:
    """The customer block for ``actor``."""
    base = {"pseudonym": doc["customer_pseudonym"], "tier": doc.get("customer_tier")}
    if actor.can_read_pii:
        fields = {k: contact.get(k) for k in _MASKS}
        return CustomerRead(**fields, **base, masked=False)
    if _withheld(actor):
        return CustomerRead(**base, masked=True)
    masked = {k: mask(contact[k]) if contact.get(k) else None for k, mask in _MASKS.items()}
    return CustomerRead(**masked, **base, masked=True)


def _readable_text(text: str, contact: dict[str, Any], actor: Actor) -> str:
    if actor.can_read_pii:
        return text
    return redact_text(
        text,
        names=[contact.get("name")],
        phones=[contact.get("phone")],
        emails=[contact.get("email")],
        addresses=[contact.get("address")],
    )


def complaint_view(doc: Document, actor: Actor, vault: CustomerVault) -> ComplaintRead:
    """The complaint as ``actor`` may see it."""
    contact = vault.open_customer(doc.get("customer_sealed"))
    skip = {"id", "customer", "description", "demand", "allowed_actions"}
    fields = {
        name: doc[name]
        for name in ComplaintRead.model_fields
        if name not in skip and doc.get(name) is not None
    }
    return ComplaintRead(
        **fields,
        id=doc["_id"],
        customer=customer_view(doc, contact, actor),
        description=_readable_text(doc.get("description") or "", contact, actor),
        demand=_readable_text(doc.get("demand") or "", contact, actor),
        allowed_actions=allowed_for(doc, actor),
    )


def timeline_view(
    entries: list[Document], actor: Actor, vault: CustomerVault
) -> list[TimelineEntry]:
    """Timeline entries for ``actor``: sealed notes opened only for ``pii:read``."""
    out = []
    for entry in entries:
        details = dict(entry.get("details") or {})
        sealed = details.pop("text_sealed", None)
        if sealed and actor.can_read_pii:
            details["text"] = vault.open_text(sealed)
        out.append(TimelineEntry(**{**entry, "details": details}))
    return out
