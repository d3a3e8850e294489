"""Telling staff: routing's escalations, transfers and assignments become staff
notifications (listed for each recipient, e-mailed over SMTP to the address the staff
directory holds, posted to the department's chat webhook), each exactly once per event
and at the time the working-hours rules allow (see ``domain.staff_notices``).

The directory comes from ``routing.directory.v1``; addresses are opened only when sending.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from closeloop_feedback.adapters.complaint_records import ComplaintRecords
from closeloop_feedback.adapters.im_webhook import ImWebhook
from closeloop_feedback.adapters.notification_store import Attempt, deliver_due
from closeloop_feedback.adapters.providers import SendFailed
from closeloop_feedback.adapters.smtp_provider import SmtpEmailProvider, message_id
from closeloop_feedback.adapters.staff_directory import DirectoryEntry, StaffDirectory
from closeloop_feedback.adapters.staff_notification_store import INBOX, StaffNotificationStore
from closeloop_feedback.domain.ids import notification_id
from closeloop_feedback.domain.retry import FailureKind, RetryPolicy
from closeloop_feedback.domain.staff_notices import (
    StaffNotice,
    WorkingHours,
    assignment_notice,
    deliveries,
    escalation_notice,
    transfer_notice,
)
from closeloop_feedback.metrics import STAFF_NOTIFICATIONS
from closeloop_feedback.service_layer.clock import Clock, utc_now
from closeloop_shared.crypto import Sealer, SealError
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.routing import (
    ComplaintAssigned,
    ComplaintEscalated,
    ComplaintTransferred,
    DepartmentDirectory,
)
from closeloop_shared.mongo import Document

log = logging.getLogger(__name__)
DIRECTORY_SEAL_CONTEXT = "staff-directory"
IM = "im"


class StaffNotifications:
    """Creates staff notifications from routing events and sends those that are due."""

    def __init__(
        self,
        *,
        store: StaffNotificationStore,
        directory: StaffDirectory,
        records: ComplaintRecords,
        sealer: Sealer,
        email: SmtpEmailProvider,
        webhooks: Mapping[str, ImWebhook],
        default_hours: WorkingHours,
        retry: RetryPolicy,
        lease: timedelta,
        max_age: timedelta = timedelta(days=1),
        clock: Clock = utc_now,
    ) -> None:
        self._store, self._directory, self._records = store, directory, records
        self._sealer, self._email, self._webhooks = sealer, email, webhooks
        self._default_hours, self._retry, self._lease = default_hours, retry, lease
        self._max_age, self._clock = max_age, clock

    @property
    def directory(self) -> StaffDirectory:
        return self._directory

    async def handle(self, event: CloudEvent) -> None:
        """Apply one routing or directory event (idempotent)."""
        data = event.data
        if isinstance(data, DepartmentDirectory):
            await self._directory.apply(data)
            return
        at = getattr(data, "at", None)
        if isinstance(at, datetime) and at < self._clock() - self._max_age:
            return  # history (a new consumer group reading from the start): not news
        notice = await self._notice(data)
        if notice is not None and notice.recipients:
            await self._create(event.id, notice)

    async def _notice(self, data: object) -> StaffNotice | None:
        if isinstance(data, ComplaintEscalated):
            department = data.department
            if department is None:  # escalated before routing named the department
                record = await self._records.get(data.complaint_id)
                department = record.department if record and record.department else "unknown"
            return escalation_notice(
                data.complaint_id,
                department,
                level=data.level,
                trigger=data.trigger,
                to=data.to,
                reason=data.reason,
                clock=data.clock,
                urgent_complaint=await self._urgent(data.complaint_id),
            )
        if isinstance(data, ComplaintTransferred):
            entry = await self._directory.get(data.to_department)
            return transfer_notice(
                data.complaint_id,
                from_department=data.from_department,
                to_department=data.to_department,
                reason=data.reason,
                supervisor=entry.supervisor if entry else None,
                urgent_complaint=await self._urgent(data.complaint_id),
            )
        if isinstance(data, ComplaintAssigned):
            return assignment_notice(
                data.complaint_id,
                data.department,
                assignee=data.assignee,
                urgent_complaint=await self._urgent(data.complaint_id),
            )
        return None

    async def _urgent(self, complaint_id: str) -> bool:
        record = await self._records.get(complaint_id)
        return record is not None and record.severity == "urgent"

    async def _create(self, trigger_id: str, notice: StaffNotice) -> None:
        now = self._clock()
        entry = await self._directory.get(notice.department)
        hours = self._hours(entry)
        on_call = entry.on_call if entry else None
        base: Document = {
            "trigger_id": trigger_id,
            "complaint_id": notice.complaint_id,
            "department": notice.department,
            "kind": notice.kind.value,
            "urgent": notice.urgent,
            "subject": notice.subject,
            "text": notice.text,
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "history": [],
        }
        docs: list[Document] = [
            {
                **base,
                "_id": notification_id(trigger_id, f"staff:{delivery.recipient}"),
                "channel": INBOX,
                "recipient": delivery.recipient,
                "read": False,
                "next_attempt_at": delivery.send_at,
            }
            for delivery in deliveries(notice, on_call=on_call, hours=hours, now=now)
        ]
        if notice.department in self._webhooks:
            send_at = now if notice.urgent else hours.next_working_time(now)
            docs.append(
                {
                    **base,
                    "_id": notification_id(trigger_id, f"staff-im:{notice.department}"),
                    "channel": IM,
                    "recipient": None,
                    "next_attempt_at": send_at,
                }
            )
        for doc in await self._store.add_all(docs):
            STAFF_NOTIFICATIONS.labels(doc["channel"], notice.kind.value, "created").inc()

    def _hours(self, entry: DirectoryEntry | None) -> WorkingHours:
        raw: dict[str, Any] | None = entry.working_hours if entry else None
        if not raw:
            return self._default_hours
        return WorkingHours.parse(raw["timezone"], raw["days"], raw["start"], raw["end"])

    async def deliver_due(self, max_batch: int = 50) -> int:
        """Send up to ``max_batch`` due staff notifications; how many were attempted."""
        return await deliver_due(self._store, self._clock, self._lease, self._deliver, max_batch)

    async def _deliver(self, doc: Document) -> None:
        attempts, channel, kind = int(doc["attempts"]), str(doc["channel"]), str(doc["kind"])
        try:
            if channel == IM:
                await self._webhooks[doc["department"]].post(doc["text"])
            else:
                await self._email.send_mail(await self._mail(doc))
        except SendFailed as exc:
            await self._failed(doc, exc)
            return
        except Exception as exc:  # a bug or an outage: retried within the attempt budget
            log.exception("staff notification attempt crashed", extra={"kind": kind})
            await self._failed(doc, SendFailed(FailureKind.transient, type(exc).__name__))
            return
        if await self._store.finish(
            doc["_id"], Attempt(attempts, self._clock(), "sent"), status="sent"
        ):
            STAFF_NOTIFICATIONS.labels(channel, kind, "sent").inc()

    async def _mail(self, doc: Document) -> EmailMessage:
        address = await self._address(doc["recipient"], doc["department"])
        mail = EmailMessage()
        mail["From"] = self._email.sender
        mail["To"] = address
        mail["Subject"] = doc["subject"]
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = message_id(doc["_id"])
        mail["X-Closeloop-Notification"] = doc["_id"]
        mail["X-Closeloop-Complaint"] = doc["complaint_id"]
        mail["X-Closeloop-Staff-Kind"] = doc["kind"]
        mail.set_content(doc["text"], charset="utf-8")
        return mail

    async def _address(self, person: str, department: str) -> str:
        """The person's e-mail address from the directory: their department's entry
        first, then any other (a leader or special-team member of another one)."""
        entries = await self._directory.all()
        entries.sort(key=lambda e: e.department != department)
        for entry in entries:
            if not entry.contacts_sealed:
                continue
            try:
                contacts = self._sealer.open(entry.contacts_sealed, context=DIRECTORY_SEAL_CONTEXT)
            except SealError:
                log.warning(
                    "staff directory entry cannot be opened", extra={"department": entry.department}
                )
                continue
            if isinstance(contacts, dict) and contacts.get(person):
                return str(contacts[person])
        if not entries:  # the directory has not arrived yet: worth waiting for
            raise SendFailed(FailureKind.transient, "staff directory not received yet")
        raise SendFailed(FailureKind.permanent, "no e-mail address in the staff directory")

    async def _failed(self, doc: Document, exc: SendFailed) -> None:
        attempts, now = int(doc["attempts"]), self._clock()
        channel, kind = str(doc["channel"]), str(doc["kind"])
        if self._retry.should_retry(attempts, exc.kind):
            retry_at = now + timedelta(seconds=self._retry.delay_after(attempts))
            attempt = Attempt(attempts, now, "retry", exc.reason)
            if await self._store.finish(
                doc["_id"], attempt, status="pending", next_attempt_at=retry_at
            ):
                STAFF_NOTIFICATIONS.labels(channel, kind, "retried").inc()
            return
        attempt = Attempt(attempts, now, "failed", exc.reason)
        if await self._store.finish(doc["_id"], attempt, status="failed"):
            STAFF_NOTIFICATIONS.labels(channel, kind, "failed").inc()
            log.warning("staff notification failed", extra={"kind": kind, "error": exc.reason})
