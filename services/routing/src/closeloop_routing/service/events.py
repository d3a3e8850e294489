"""The CloudEvents routing publishes, built from domain decisions."""

from __future__ import annotations

from datetime import UTC, datetime

from closeloop_routing.adapters.outbox_entries import SOURCE
from closeloop_routing.domain.escalation import Escalation, Notify
from closeloop_routing.domain.ownership import (
    ESCALATION_MODES,
    Ownership,
    escalation_targets,
)
from closeloop_routing.domain.rules import RoutingDecision
from closeloop_shared.events.common import ActedBy, ComplaintEvent
from closeloop_shared.events.envelope import CloudEvent, EventData
from closeloop_shared.events.routing import (
    ComplaintAssigned,
    ComplaintEscalated,
    ComplaintQueued,
    ComplaintRouted,
    ComplaintTransferred,
)
from closeloop_shared.pii import redact_personal_data

SYSTEM = ActedBy.system("routing")


def _event(body: EventData, complaint_id: str, acted_by: ActedBy | None = None) -> CloudEvent:
    """The event of a decision, naming who acted: a person (take, assign, transfer) or
    routing itself."""
    if isinstance(body, ComplaintEvent):
        body = body.model_copy(update={"acted_by": acted_by or SYSTEM})
    return CloudEvent.of(body, source=SOURCE, subject=complaint_id)


def _now() -> datetime:
    return datetime.now(UTC)


def routed(cid: str, decision: RoutingDecision, first_contact_owner: str | None) -> CloudEvent:
    return _event(
        ComplaintRouted(
            complaint_id=cid,
            at=_now(),
            department=decision.department,
            queue=decision.queue,
            skill=decision.skill,
            rule_id=decision.rule_id,
            rule_set_version=decision.rule_set_version,
            reason=decision.reason,
            first_contact_owner=first_contact_owner,
        ),
        cid,
    )


def placed(
    cid: str, ownership: Ownership, queue: str | None = None, acted_by: ActedBy | None = None
) -> CloudEvent:
    """``assigned`` when somebody owns the complaint, else ``queued``."""
    if ownership.assignee is None:
        body: EventData = ComplaintQueued(
            complaint_id=cid, at=_now(), department=ownership.department, queue=queue
        )
    else:
        body = ComplaintAssigned(
            complaint_id=cid,
            at=_now(),
            department=ownership.department,
            assignee=ownership.assignee,
            co_owners=list(ownership.co_owners),
        )
    return _event(body, cid, acted_by)


def transferred(
    cid: str,
    before: Ownership,
    to_department: str,
    reason: str,
    by: str,
    acted_by: ActedBy | None = None,
) -> CloudEvent:
    return _event(
        ComplaintTransferred(
            complaint_id=cid,
            at=_now(),
            from_department=before.department,
            to_department=to_department,
            reason=redact_personal_data(reason),  # free text typed by staff
            by=by,
            first_contact_owner=before.first_contact_owner,
        ),
        cid,
        acted_by or ActedBy(subject=by, role="system"),
    )


def escalated(
    cid: str,
    escalation: Escalation,
    trigger: str,
    clock: str | None = None,
    *,
    department: str | None = None,
) -> CloudEvent:
    return _event(
        ComplaintEscalated(
            complaint_id=cid,
            at=_now(),
            level=int(escalation.level),
            to=escalation_targets(escalation),
            reason=escalation.reason,
            trigger=trigger,
            mode=ESCALATION_MODES[escalation.action],
            clock=clock,
            department=department,
        ),
        cid,
    )


def notified(cid: str, notify: Notify, clock: str, department: str | None = None) -> CloudEvent:
    """A level-0 escalation: people are told, ownership stays."""
    return _event(
        ComplaintEscalated(
            complaint_id=cid,
            at=_now(),
            level=notify.level,
            to=list(notify.targets),
            reason=notify.reason,
            trigger="sla_warning",
            mode="notify",
            clock=clock,
            department=department,
        ),
        cid,
    )
