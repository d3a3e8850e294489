"""Incoming events → clock inputs. Lifecycle steps map to trigger-table names; routing and
feedback events contribute the department and the after-resolution stops."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from closeloop_shared.durations import parse_duration
from closeloop_shared.events import feedback, intake, routing
from closeloop_sla.domain.clock_inputs import (
    AssignDepartment,
    ClockInput,
    Extend,
    Receive,
    Trigger,
)
from closeloop_sla.domain.clock_kind import ClockKind
from closeloop_sla.domain.policy import ComplaintAttributes

# Intake's lifecycle events that are plain trigger-table steps.
TRIGGER_OF: dict[type[BaseModel], str] = {
    intake.ComplaintAcknowledged: "acknowledged",
    intake.ComplaintAwaitingCustomer: "awaiting_customer",
    intake.ComplaintResumed: "resumed",
    intake.ComplaintResolved: "resolved",
    intake.ComplaintReopened: "reopened",
    intake.ComplaintClosed: "closed",
    intake.ComplaintArchived: "archived",
}
RESULT_TEMPLATE = "resolved"  # feedback's notice that carries the decision to the customer


class UnusableEvent(ValueError):
    """A well-formed event whose content the engine cannot use (goes to the DLQ)."""


def input_of(data: BaseModel) -> ClockInput | None:
    """The clock input an event body carries, or ``None`` when it does not concern clocks."""
    trigger = TRIGGER_OF.get(type(data))
    if trigger is not None:
        assert isinstance(data, intake.ChangeEvent)
        return Trigger(trigger, data.at)
    if isinstance(data, intake.ComplaintReceived):
        return _receive(data)
    if isinstance(data, intake.ComplaintExtended):
        return _extend(data)
    if isinstance(data, intake.DepartmentChanged | routing.ComplaintRouted):
        return AssignDepartment(data.department)
    if isinstance(data, routing.ComplaintTransferred):
        return AssignDepartment(data.to_department)
    if isinstance(data, feedback.NotificationSent) and data.template == RESULT_TEMPLATE:
        return Trigger("customer_notified", data.at)
    if isinstance(data, feedback.SurveyAnswered):
        return Trigger("callback_completed" if data.via == "phone" else "survey_answered", data.at)
    return None


def _receive(data: intake.ComplaintReceived) -> Receive:
    attributes = ComplaintAttributes(
        kind=data.kind.value,
        severity=data.severity.value,
        category=data.category,
        channel=data.channel.value,
        tier=data.customer_tier,
    )
    return Receive(data.received_at, attributes, registered=data.received_by is not None)


def _extend(data: intake.ComplaintExtended) -> Extend:
    try:
        kind = ClockKind(data.clock)
        by = parse_duration(data.extend_by) if data.extend_by else None
    except ValueError as exc:
        raise UnusableEvent(f"extension cannot be applied: {exc}") from None
    new_deadline: datetime | None = data.new_deadline
    if (by is None) == (new_deadline is None):
        raise UnusableEvent("an extension needs exactly one of extend_by or new_deadline")
    return Extend(kind, data.at, data.reason, data.customer_consented, by, new_deadline)
