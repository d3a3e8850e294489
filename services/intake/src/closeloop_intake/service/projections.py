"""Projecting routing, SLA and feedback events onto the complaint view, and reacting.

Each event is applied once (its id is recorded in the same conditional write as its
effect). A new handling department changes the aggregate, so it bumps the version and is
announced (``DepartmentChanged``); the other projections only add to what intake knows.
"""

from __future__ import annotations

import logging
import re

from closeloop_intake.domain.lifecycle import Action, State, TransitionRefused, apply_action
from closeloop_intake.domain.lifecycle import Role as DomainRole
from closeloop_intake.service.action_effects import ActionDetails
from closeloop_intake.service.actions import ComplaintNotFound, perform_action
from closeloop_intake.service.announcements import announce, timeline_entry, utc_now
from closeloop_intake.service.context import Actor, ServiceContext
from closeloop_shared.events import feedback, routing, sla
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.intake import DepartmentChanged
from closeloop_shared.mongo import Document

log = logging.getLogger(__name__)
_CLOCK_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
CLOCK_STATES: dict[type[sla.ClockEvent], str] = {
    sla.ClockStarted: "running",
    sla.ClockPaused: "paused",
    sla.ClockResumed: "running",
    sla.ClockExtended: "running",
    sla.ClockWarning: "warning",
    sla.ClockBreached: "breached",
    sla.ClockMet: "met",
}
ATTEMPTS = 5


def actor_of(event: CloudEvent) -> str:
    """``system:<domain>`` of the service that published ``event``."""
    return f"system:{event.type.split('.')[1]}"


async def _project(ctx: ServiceContext, event: CloudEvent, changes: Document, **note: str) -> None:
    entry = timeline_entry(event, actor=actor_of(event), **note)
    complaint_id = event.subject or getattr(event.data, "complaint_id", "")
    await ctx.repo.apply_projection(
        complaint_id, event_id=event.id, changes=changes, timeline=[entry]
    )


async def _change_department(
    ctx: ServiceContext, event: CloudEvent, department: str, changes: Document
) -> None:
    """Set the handling department (keeping the first-contact owner) and announce it."""
    complaint_id = getattr(event.data, "complaint_id", event.subject)
    for _ in range(ATTEMPTS):
        doc = await ctx.repo.get(complaint_id)
        if doc is None or await ctx.repo.was_applied(complaint_id, event.id):
            return
        if doc.get("department") == department:
            await _project(ctx, event, changes)
            return
        at, version = utc_now(), int(doc["version"]) + 1
        data = DepartmentChanged(
            complaint_id=complaint_id,
            at=at,
            version=version,
            actor=actor_of(event),
            status=doc["status"],
            department=department,
            first_contact_owner=doc.get("first_contact_owner"),
        )
        changes = {**changes, "department": department, "updated_at": at}
        after = {**doc, **changes, "version": version}
        acted_by = getattr(event.data, "acted_by", None)  # a person, when routing names one
        events, timeline = announce(after, data, actor=actor_of(event), at=at, acted_by=acted_by)
        timeline.insert(0, timeline_entry(event, actor=actor_of(event)))
        if await ctx.repo.apply_change(
            complaint_id,
            expected_version=int(doc["version"]),
            changes=changes,
            events=events,
            timeline=timeline,
            event_id=event.id,
        ):
            return
    raise RuntimeError(f"complaint {complaint_id} kept changing; will retry the event")


async def apply_routing_event(*, ctx: ServiceContext, event: CloudEvent) -> None:
    """Project a routing decision (department, queue, assignee, escalation)."""
    data = event.data
    if isinstance(data, routing.ComplaintRouted):
        routed = {"routing": {"rule_id": data.rule_id, "reason": data.reason}, "queue": data.queue}
        await _change_department(ctx, event, data.department, routed)
    elif isinstance(data, routing.ComplaintQueued):
        await _change_department(
            ctx, event, data.department, {"queue": data.queue, "assignee": None}
        )
    elif isinstance(data, routing.ComplaintAssigned):
        assigned = {"assignee": data.assignee, "co_owners": list(data.co_owners)}
        await _change_department(ctx, event, data.department, assigned)
    elif isinstance(data, routing.ComplaintTransferred):
        doc = await ctx.repo.get(data.complaint_id)
        if doc is None:
            return
        try:
            apply_action(State(doc["status"]), Action.TRANSFER, DomainRole.SYSTEM)
        except TransitionRefused:
            await _project(ctx, event, {}, outcome=f"ignored: complaint is {doc['status']}")
            return
        await _change_department(ctx, event, data.to_department, {"assignee": None})
    elif isinstance(data, routing.ComplaintEscalated):
        escalation = {"level": data.level, "trigger": data.trigger, "at": data.at}
        await _project(ctx, event, {"escalation": escalation})


async def apply_sla_event(*, ctx: ServiceContext, event: CloudEvent) -> None:
    """Project a clock's state and deadline onto ``sla.<clock>``."""
    data = event.data
    if not isinstance(data, sla.ClockEvent) or type(data) not in CLOCK_STATES:
        return
    if not _CLOCK_NAME.fullmatch(data.clock):
        raise ValueError(f"clock name {data.clock!r} is not a plain identifier")
    clock: Document = {"state": CLOCK_STATES[type(data)], "deadline": data.deadline}
    clock |= {"policy_id": data.policy_id, "updated_at": data.at}
    if isinstance(data, sla.ClockMet):
        clock["late"] = data.late
    await _project(ctx, event, {f"sla.{data.clock}": clock})


async def apply_feedback_event(*, ctx: ServiceContext, event: CloudEvent) -> None:
    """Project survey results; a dissatisfied customer reopens the complaint."""
    data = event.data
    if isinstance(data, feedback.CustomerDissatisfied):
        await _reopen(ctx, event, data)
    elif isinstance(data, feedback.SurveySent):
        survey = {"state": "sent", "survey_id": data.survey_id, "expires_at": data.expires_at}
        await _project(ctx, event, {"survey": survey})
    elif isinstance(data, feedback.SurveyAnswered):
        answer = {"state": "answered", "survey_id": data.survey_id, "score": data.score}
        await _project(ctx, event, {"survey": answer | {"solved": data.solved, "at": data.at}})
    elif isinstance(data, feedback.SurveyExpired):
        await _project(ctx, event, {"survey.state": "expired"})
    elif isinstance(data, feedback.NotificationSent | feedback.NotificationFailed):
        await _project(ctx, event, {})


async def _reopen(
    ctx: ServiceContext, event: CloudEvent, data: feedback.CustomerDissatisfied
) -> None:
    reason = f"customer dissatisfied (score {data.score}, solved: {data.solved})"
    try:
        await perform_action(
            ctx=ctx,
            complaint_id=data.complaint_id,
            action=Action.REOPEN,
            actor=Actor.system("feedback"),
            details=ActionDetails(reason=reason),
            event_id=event.id,
        )
    except ComplaintNotFound:
        log.info("dissatisfied survey for an unknown complaint", extra={"event_id": event.id})
    except TransitionRefused as exc:
        # Not reopenable now (e.g. still open or archived): record it and do nothing else.
        await _project(ctx, event, {}, outcome=f"not reopened: complaint is {exc.state}")
