"""Creates customer notifications in the outbox: picks the template's customer-facing
fields and the customer's channel. Sending happens later, in :mod:`delivery`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from closeloop_feedback.adapters.complaint_records import ComplaintRecords
from closeloop_feedback.adapters.event_outbox import stored_event
from closeloop_feedback.adapters.notification_store import NewNotification, NotificationStore
from closeloop_feedback.domain.channels import NotifyChannel, Purpose, choose_channel
from closeloop_feedback.domain.ids import event_id, notification_id
from closeloop_feedback.domain.notices import Template, customer_params, normalize_language
from closeloop_feedback.metrics import NOTIFICATIONS
from closeloop_shared.events.feedback import NotificationFailed

log = logging.getLogger(__name__)
NO_CONTACT = "no contact method on record can carry this notice"


class Notifier:
    """Queues notifications, once per trigger and template."""

    def __init__(
        self, store: NotificationStore, records: ComplaintRecords, *, sms_gateway: bool = True
    ) -> None:
        self._store, self._records, self._sms_gateway = store, records, sms_gateway

    async def notify(
        self,
        *,
        trigger_id: str,
        complaint_id: str,
        template: Template,
        fields: Mapping[str, object],
        now: datetime,
        purpose: Purpose = Purpose.notice,
        survey_id: str | None = None,
    ) -> NotifyChannel | None:
        """Queue ``template`` for the complaint's customer; return the channel chosen (None:
        the customer cannot be reached, and that is recorded as a failed notification)."""
        record = await self._records.get(complaint_id)
        channel = None
        if record is not None and record.customer_sealed:
            channel = choose_channel(
                contact_methods=record.contact_methods,
                complaint_channel=record.channel,
                purpose=purpose,
                sms_gateway=self._sms_gateway,
            )
        nid = notification_id(trigger_id, template.value)
        events = []
        if channel is None:
            failed = NotificationFailed(
                complaint_id=complaint_id,
                at=now,
                channel="none",
                template=template.value,
                attempts=0,
                error=NO_CONTACT,
            )
            events.append(
                stored_event(failed, event_id=event_id(nid, "failed"), subject=complaint_id)
            )
        created = await self._store.create(
            NewNotification(
                id=nid,
                complaint_id=complaint_id,
                trigger_id=trigger_id,
                template=template.value,
                channel=channel.value if channel else None,
                language=normalize_language(record.language if record else None).value,
                params=customer_params(template, fields),
                created_at=now,
                survey_id=survey_id,
                failed_reason=None if channel else NO_CONTACT,
                events=events,
            )
        )
        if created and channel is None:
            NOTIFICATIONS.labels("none", template.value, "failed").inc()
            log.warning(
                "customer cannot be reached",
                extra={"complaint_id": complaint_id, "template": template.value},
            )
        return channel
