"""The sender: claims due notifications from the outbox, opens the customer's contact,
renders, hands the message to the channel's provider and records the outcome.

Exactly-once towards the relay as far as SMTP allows: a notification is marked sent right
after the relay accepted it; retries happen only when the send did not go through; the
Message-ID is stable, so a resend after a crash mid-send is recognisable downstream.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from closeloop_feedback.adapters.complaint_records import ComplaintRecords
from closeloop_feedback.adapters.contacts import ContactOpener
from closeloop_feedback.adapters.event_outbox import stored_event
from closeloop_feedback.adapters.notification_store import (
    Attempt,
    NotificationStore,
    deliver_due,
)
from closeloop_feedback.adapters.providers import OutgoingMessage, Provider, SendFailed
from closeloop_feedback.adapters.rendering import NoticeRenderer
from closeloop_feedback.domain.channels import NotifyChannel
from closeloop_feedback.domain.ids import event_id
from closeloop_feedback.domain.notices import Template, normalize_language
from closeloop_feedback.domain.retry import FailureKind, RetryPolicy
from closeloop_feedback.metrics import NOTIFICATIONS
from closeloop_feedback.service_layer.clock import Clock, utc_now
from closeloop_shared.crypto import SealError
from closeloop_shared.events.feedback import NotificationFailed, NotificationSent
from closeloop_shared.mongo import Document

log = logging.getLogger(__name__)
CALLBACK_TASK = "callback_task"  # a notification waiting for an agent's call


def sent_event(doc: Document, channel: str, at: datetime) -> Document:
    """The stored ``NotificationSent`` of a notification (its id derived from it)."""
    sent = NotificationSent(
        complaint_id=doc["complaint_id"],
        at=at,
        channel=channel,
        template=doc["template"],
        attempts=max(int(doc["attempts"]), 1),
    )
    return stored_event(sent, event_id=event_id(doc["_id"], "sent"), subject=doc["complaint_id"])


class Delivery:
    """Sends what is due, one notification at a time."""

    def __init__(
        self,
        *,
        store: NotificationStore,
        records: ComplaintRecords,
        contacts: ContactOpener,
        renderer: NoticeRenderer,
        providers: Mapping[NotifyChannel, Provider],
        retry: RetryPolicy,
        lease: timedelta,
        clock: Clock = utc_now,
    ) -> None:
        self._store, self._records, self._contacts = store, records, contacts
        self._renderer, self._providers = renderer, providers
        self._retry, self._lease, self._clock = retry, lease, clock

    async def deliver_due(self, max_batch: int = 50) -> int:
        """Send up to ``max_batch`` due notifications; return how many were attempted."""
        return await deliver_due(self._store, self._clock, self._lease, self.deliver, max_batch)

    async def deliver(self, doc: Document) -> None:
        """One attempt at one claimed notification, its outcome recorded."""
        nid, attempts = doc["_id"], int(doc["attempts"])
        channel, template = NotifyChannel(doc["channel"]), Template(doc["template"])
        try:
            message = await self._message(doc, channel, template)
            await self._providers[channel].send(message)
        except SendFailed as exc:
            await self._failed(doc, channel, template, exc)
            return
        except Exception as exc:  # a bug or an outage: retried within the attempt budget
            log.exception("notification attempt crashed", extra={"template": template.value})
            failure = SendFailed(FailureKind.transient, type(exc).__name__)
            await self._failed(doc, channel, template, failure)
            return
        now = self._clock()
        if self._providers[channel].channel is NotifyChannel.phone_callback:
            # Nobody has been told yet: an agent has a call to make. The notification is
            # sent when the call is made (``callback_made``), not now.
            task = Attempt(attempts, now, CALLBACK_TASK)
            if await self._store.finish(nid, task, status=CALLBACK_TASK):
                NOTIFICATIONS.labels(channel.value, template.value, CALLBACK_TASK).inc()
            return
        event = sent_event(doc, channel.value, now)
        if await self._store.finish(
            nid, Attempt(attempts, now, "sent"), status="sent", events=[event]
        ):
            NOTIFICATIONS.labels(channel.value, template.value, "sent").inc()

    async def callback_made(self, task_id: str) -> bool:
        """The agent made the call of a callback task: its notification is sent now."""
        doc = await self._store.get(task_id)
        if doc is None or doc.get("status") != CALLBACK_TASK:
            return False
        now = self._clock()
        event = sent_event(doc, NotifyChannel.phone_callback.value, now)
        return await self._store.callback_made(task_id, now, events=[event])

    async def _message(
        self, doc: Document, channel: NotifyChannel, template: Template
    ) -> OutgoingMessage:
        record = await self._records.get(doc["complaint_id"])
        if record is None or not record.customer_sealed:
            raise SendFailed(FailureKind.permanent, "no contact record for this complaint")
        try:
            contact = self._contacts.open(record.customer_sealed)
        except SealError:
            raise SendFailed(FailureKind.permanent, "contact details cannot be opened") from None
        recipient = contact.address_for(channel)
        if recipient is None and channel is not NotifyChannel.phone_callback:
            raise SendFailed(FailureKind.permanent, f"no {channel.value} address on record")
        language = normalize_language(doc.get("language"))
        rendered = self._renderer.render(
            template,
            language=language,
            channel=channel,
            reference=doc["complaint_id"],
            params=doc.get("params") or {},
            name=contact.name if channel is NotifyChannel.email else None,
        )
        return OutgoingMessage(
            notification_id=doc["_id"],
            complaint_id=doc["complaint_id"],
            channel=channel,
            template=template,
            language=language,
            recipient=recipient or "",
            subject=rendered.subject,
            text=rendered.text,
            survey_id=doc.get("survey_id"),
        )

    async def _failed(
        self, doc: Document, channel: NotifyChannel, template: Template, exc: SendFailed
    ) -> None:
        nid, attempts, now = doc["_id"], int(doc["attempts"]), self._clock()
        labels = {"complaint_id": doc["complaint_id"], "template": template.value}
        if self._retry.should_retry(attempts, exc.kind):
            retry_at = now + timedelta(seconds=self._retry.delay_after(attempts))
            attempt = Attempt(attempts, now, "retry", exc.reason)
            if await self._store.finish(nid, attempt, status="pending", next_attempt_at=retry_at):
                NOTIFICATIONS.labels(channel.value, template.value, "retried").inc()
                log.warning("notification will be retried", extra={**labels, "error": exc.reason})
            return
        failed = NotificationFailed(
            complaint_id=doc["complaint_id"],
            at=now,
            channel=channel.value,
            template=template.value,
            attempts=attempts,
            error=exc.reason,
        )
        event = stored_event(failed, event_id=event_id(nid, "failed"), subject=doc["complaint_id"])
        attempt = Attempt(attempts, now, "failed", exc.reason)
        if await self._store.finish(nid, attempt, status="failed", events=[event]):
            NOTIFICATIONS.labels(channel.value, template.value, "failed").inc()
            log.error("notification failed permanently", extra={**labels, "error": exc.reason})
