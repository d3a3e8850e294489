"""Satisfaction callback surveys: scheduled after each resolution, sent and reminded once by
timers, answered once (by the customer's link or an agent's call), expired otherwise.
An unhappy answer emits ``CustomerDissatisfied`` so intake handles the complaint again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from closeloop_feedback.adapters.complaint_records import ComplaintRecords
from closeloop_feedback.adapters.event_outbox import stored_event
from closeloop_feedback.adapters.survey_store import SurveyStore
from closeloop_feedback.domain.channels import Purpose
from closeloop_feedback.domain.ids import event_id, survey_id
from closeloop_feedback.domain.notices import Template, normalize_language
from closeloop_feedback.domain.survey import (
    OPEN_STATUSES,
    TIMED_STATUSES,
    StepKind,
    SurveyAnswer,
    SurveyPolicy,
    SurveyStatus,
    is_dissatisfied,
    next_step,
)
from closeloop_feedback.metrics import SURVEYS
from closeloop_feedback.service_layer.notifier import Notifier
from closeloop_shared.crypto import Sealer
from closeloop_shared.events.feedback import (
    CustomerDissatisfied,
    SurveyAnswered,
    SurveyExpired,
    SurveySent,
)
from closeloop_shared.mongo import Document

COMMENT_CONTEXT = "survey_comment"


class SurveyRefused(Exception):
    """An answer that cannot be taken; ``problem`` is a stable code (answered, expired,
    cancelled, unknown)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def refusal_for(doc: Document | None, now: datetime) -> str:
    """Why a survey in this state takes no answer."""
    if doc is None:
        return "unknown"
    status = doc.get("status")
    if status in ("answered", "expired", "cancelled"):
        return str(status)
    expires_at = doc.get("expires_at")
    if expires_at is not None and expires_at <= now:
        return "expired"
    return "unknown"


class SurveyService:
    """Schedules, advances and records answers of surveys."""

    def __init__(
        self,
        *,
        store: SurveyStore,
        records: ComplaintRecords,
        notifier: Notifier,
        policy: SurveyPolicy,
        sealer: Sealer,
    ) -> None:
        self._store, self._records, self._notifier = store, records, notifier
        self._policy, self._sealer = policy, sealer

    async def schedule(
        self, complaint_id: str, *, resolution_event_id: str, resolved_at: datetime, now: datetime
    ) -> str:
        """Plan the survey that follows a resolution (once per resolution event)."""
        record = await self._records.get(complaint_id)
        sid = survey_id(complaint_id, resolution_event_id)
        await self._store.create(
            {
                "_id": sid,
                "complaint_id": complaint_id,
                "resolution_event_id": resolution_event_id,
                "resolved_at": resolved_at,
                "department": record.department if record else None,
                # CSAT per agent credits the agent handling it when it was resolved.
                "agent": record.assignee if record else None,
                "language": normalize_language(record.language if record else None).value,
                "status": SurveyStatus.scheduled.value,
                "due_at": self._policy.send_at(
                    resolved_at, record.callback_deadline if record else None
                ),
                "expires_at": None,
                "created_at": now,
            }
        )
        return sid

    async def cancel_open(self, complaint_id: str, *, now: datetime) -> int:
        """The complaint is handled again: surveys about the earlier result no longer apply."""
        cancelled = 0
        for doc in await self._store.open_for(complaint_id):
            changes = {"status": "cancelled", "due_at": None, "cancelled_at": now}
            cancelled += bool(
                await self._store.transition(doc["_id"], expected=TIMED_STATUSES, changes=changes)
            )
        return cancelled

    async def run_due(self, now: datetime, limit: int = 100) -> int:
        """Fire every due survey timer; return how many surveys moved."""
        moved = 0
        for doc in await self._store.due(now, limit):
            moved += await self._advance(doc, now)
        return moved

    async def _advance(self, doc: Document, now: datetime) -> bool:
        sid, cid, status = doc["_id"], doc["complaint_id"], SurveyStatus(doc["status"])
        step = next_step(status, now=now, policy=self._policy, expires_at=doc.get("expires_at"))
        if step is None:
            return False
        same_timer = {"due_at": doc["due_at"]}
        if step.kind is StepKind.expire:
            expired = SurveyExpired(complaint_id=cid, at=now, survey_id=sid)
            changes = {"status": "expired", "due_at": None, "expired_at": now, "outcome_at": now}
            events = [stored_event(expired, event_id=event_id(sid, "expired"), subject=cid)]
            moved = await self._store.transition(
                sid, expected=[status], changes=changes, events=events, extra_filter=same_timer
            )
            if moved:
                SURVEYS.labels("expired").inc()
            return moved is not None
        if doc.get("expires_at") is None:
            # Plan the expiry first: a retry after a crash then sends the same link.
            planned = await self._store.transition(
                sid,
                expected=[status],
                changes={"expires_at": step.expires_at},
                extra_filter={**same_timer, "expires_at": None},
            )
            if planned is None:
                return False
        reminder = step.kind is StepKind.remind
        channel = await self._notifier.notify(
            trigger_id=f"{sid}:{step.kind.value}",
            complaint_id=cid,
            template=Template.survey_reminder if reminder else Template.survey,
            fields={"survey_id": sid, "expires_at": step.expires_at},
            now=now,
            purpose=Purpose.survey,
            survey_id=sid,
        )
        sent = SurveySent(
            complaint_id=cid, at=now, survey_id=sid, expires_at=step.expires_at, reminder=reminder
        )
        changes = {
            "status": step.next_status.value,
            "due_at": step.next_due,
            "reminded_at" if reminder else "sent_at": now,
        }
        if not reminder:
            changes["channel"] = channel.value if channel else None
        events = [stored_event(sent, event_id=event_id(sid, step.kind.value), subject=cid)]
        moved = await self._store.transition(
            sid, expected=[status], changes=changes, events=events, extra_filter=same_timer
        )
        if moved:
            SURVEYS.labels("reminded" if reminder else "sent").inc()
        return moved is not None

    async def answer(
        self,
        sid: str,
        answer: SurveyAnswer,
        *,
        via: str,
        by: str | None,
        now: datetime,
    ) -> Document:
        """Record the one answer of a survey; :class:`SurveyRefused` when it takes none.

        Web answers need an open survey before its expiry; an agent on the phone may also
        answer a survey that was not sent yet (the call is the callback).
        """
        doc = await self._store.get(sid)
        if doc is None:
            raise SurveyRefused("unknown")
        cid = doc["complaint_id"]
        department = doc.get("department")
        if department is None:
            record = await self._records.get(cid)
            department = record.department if record else None
        unhappy = is_dissatisfied(answer.score, answer.solved)
        events = self._answer_events(doc, answer, via, department, unhappy, now)
        expected: Sequence[SurveyStatus] = OPEN_STATUSES if via == "web" else TIMED_STATUSES
        guard = {"expires_at": {"$gt": now}} if via == "web" else None
        changes = {
            "status": "answered",
            "due_at": None,
            "answered_at": now,
            "outcome_at": now,
            "department": department,
            "dissatisfied": unhappy,
            "answer": {
                "score": answer.score,
                "solved": answer.solved,
                "comment_sealed": (
                    self._sealer.seal(answer.comment, context=COMMENT_CONTEXT)
                    if answer.comment
                    else None
                ),
                "via": via,
                "by": by,
            },
        }
        updated = await self._store.transition(
            sid, expected=expected, changes=changes, events=events, extra_filter=guard
        )
        if updated is None:
            raise SurveyRefused(refusal_for(await self._store.get(sid), now))
        SURVEYS.labels("answered").inc()
        if unhappy:
            SURVEYS.labels("dissatisfied").inc()
        return updated

    @staticmethod
    def _answer_events(
        doc: Document,
        answer: SurveyAnswer,
        via: str,
        department: str | None,
        unhappy: bool,
        now: datetime,
    ) -> list[Document]:
        sid, cid = doc["_id"], doc["complaint_id"]
        answered = SurveyAnswered(
            complaint_id=cid,
            at=now,
            survey_id=sid,
            score=answer.score,
            solved=answer.solved,
            via="phone" if via == "phone" else "web",
            department=department,
        )
        events = [stored_event(answered, event_id=event_id(sid, "answered"), subject=cid)]
        if unhappy:
            dissatisfied = CustomerDissatisfied(
                complaint_id=cid, at=now, survey_id=sid, score=answer.score, solved=answer.solved
            )
            eid = event_id(sid, "dissatisfied")
            events.append(stored_event(dissatisfied, event_id=eid, subject=cid))
        return events
