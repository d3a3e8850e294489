"""What each lifecycle action records: the event it publishes and the fields it sets.

Free text that goes on a topic (reasons, the basis of a decision, a remedy) is redacted of
the customer's contact details; notes and contact-log entries travel sealed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from closeloop_intake.adapters.customer_vault import CustomerVault
from closeloop_intake.domain.complaint import ContactEntry, Extension, Resolution
from closeloop_intake.domain.errors import FieldError
from closeloop_intake.domain.lifecycle import Action, State
from closeloop_intake.service.redaction import redact_text
from closeloop_shared.events import intake as ev
from closeloop_shared.events.envelope import EventData
from closeloop_shared.mongo import Document

Redact = Callable[[str], str]


@dataclass(frozen=True)
class ActionDetails:
    """What came with an action; which fields matter depends on the action."""

    note: str | None = None  # an optional internal note on any action (sealed)
    reason: str | None = None
    resolution: Resolution | None = None
    extension: Extension | None = None
    contact: ContactEntry | None = None
    clock: str = "resolution"


_SIMPLE: dict[Action, type[ev.ChangeEvent]] = {
    Action.ACKNOWLEDGE: ev.ComplaintAcknowledged,
    Action.START: ev.ComplaintStarted,
    Action.RESUME: ev.ComplaintResumed,
    Action.CLOSE: ev.ComplaintClosed,
    Action.ARCHIVE: ev.ComplaintArchived,
}
# When each status was first reached, for reports and SLA cross-checks.
_STAMPS = {
    Action.ACKNOWLEDGE: "acknowledged_at",
    Action.RESOLVE: "resolved_at",
    Action.CLOSE: "closed_at",
    Action.ARCHIVE: "archived_at",
}


def _required(value: str | None, field: str) -> str:
    if value is None or not value.strip():
        raise FieldError(field, "is required for this action")
    return value


def effect_of(
    action: Action,
    details: ActionDetails,
    *,
    doc: Document,
    target: State,
    base: dict[str, Any],
    vault: CustomerVault,
) -> tuple[EventData, Document]:
    """The event body and the document changes of ``action`` taking ``doc`` to ``target``.

    ``base`` holds the fields every change event carries (complaint id, time, version,
    actor, status). Raises :class:`FieldError` for a missing or invalid detail.
    """
    contact = vault.open_customer(doc.get("customer_sealed"))

    def clean(text: str) -> str:
        return redact_text(
            text,
            names=[contact["name"]],
            phones=[contact["phone"]],
            emails=[contact["email"]],
            addresses=[contact.get("address")],
        )

    changes: Document = {"status": str(target)}
    if action in _STAMPS and not doc.get(_STAMPS[action]):
        changes[_STAMPS[action]] = base["at"]
    if action in _SIMPLE:
        return _SIMPLE[action](**base), changes
    if action is Action.NOTES:
        text = _required(details.note, "text")
        return ev.NoteAdded(**base, entry="note", text_sealed=vault.seal_text(text)), changes
    if action is Action.CONTACT:
        entry = details.contact
        if entry is None:
            raise FieldError("method", "is required for this action")
        sealed = vault.seal_text(f"[{entry.direction}] {entry.summary}")
        changes["last_contact_at"] = base["at"]
        data = ev.NoteAdded(
            **base, entry="contact", contact_method=str(entry.method), text_sealed=sealed
        )
        return data, changes
    if action is Action.AWAIT_CUSTOMER:
        return ev.ComplaintAwaitingCustomer(**base, reason=clean(details.reason or "")), changes
    if action is Action.REOPEN:
        reason = clean(_required(details.reason, "reason"))
        changes |= {"reopened_count": int(doc.get("reopened_count", 0)) + 1, "resolution": None}
        return ev.ComplaintReopened(**base, reason=reason), changes
    if action is Action.RESOLVE:
        return _resolved(details, base, changes, clean)
    if action is Action.EXTEND:
        return _extended(details, doc, base, changes, clean)
    raise FieldError("action", f"'{action}' is not performed through this API")


def _resolved(
    details: ActionDetails, base: dict[str, Any], changes: Document, clean: Redact
) -> tuple[EventData, Document]:
    res = details.resolution
    if res is None:
        raise FieldError("outcome", "is required for this action")
    amount = float(res.compensation_amount) if res.compensation_amount is not None else None
    data = ev.ComplaintResolved(
        **base,
        outcome=str(res.outcome),
        basis=clean(res.basis),
        remedy=clean(res.remedy) if res.remedy else None,
        compensation_amount=amount,
        compensation_currency=res.currency,
    )
    changes["resolution"] = {
        "outcome": str(res.outcome),
        "basis": res.basis,
        "remedy": res.remedy,
        "compensation_amount": amount,
        "currency": res.currency,
        "at": base["at"],
        "by": base["actor"],
    }
    return data, changes


def _extended(
    details: ActionDetails, doc: Document, base: dict[str, Any], changes: Document, clean: Redact
) -> tuple[EventData, Document]:
    ext = details.extension
    if ext is None:
        raise FieldError("reason", "is required for this action")
    deadline = (doc.get("sla") or {}).get(details.clock, {}).get("deadline")
    if isinstance(deadline, datetime):
        ext.check_later_than(deadline)
    extend_by = ext.duration  # verbatim: PT24H must not become P1D (24 working hours ≠ 1 day)
    record = {
        "clock": details.clock,
        "extend_by": extend_by,
        "new_deadline": ext.new_deadline,
        "reason": ext.reason,
        "customer_consented": ext.customer_consented,
        "legal_basis": ext.legal_basis,
        "at": base["at"],
        "by": base["actor"],
    }
    changes["extensions"] = [*doc.get("extensions", []), record]
    data = ev.ComplaintExtended(
        **base,
        clock=details.clock,
        extend_by=extend_by,
        new_deadline=ext.new_deadline,
        reason=clean(ext.reason),
        customer_consented=ext.customer_consented,
    )
    return data, changes
