"""What feedback does with the events it consumes: keep its complaint record (sealed
contact, language, department), tell the customer what they should know, and plan the
satisfaction callback after every resolution. Every effect is idempotent."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

from closeloop_feedback.adapters.complaint_records import ComplaintRecords
from closeloop_feedback.adapters.survey_store import SurveyStore
from closeloop_feedback.domain.notices import Template, template_for_breach, template_for_change
from closeloop_feedback.service_layer.clock import Clock, utc_now
from closeloop_feedback.service_layer.notifier import Notifier
from closeloop_feedback.service_layer.surveys import SurveyService
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.intake import (
    ChangeEvent,
    ComplaintReceived,
    ComplaintReopened,
    ComplaintResolved,
)
from closeloop_shared.events.routing import (
    ComplaintAssigned,
    ComplaintQueued,
    ComplaintRouted,
    ComplaintTransferred,
)
from closeloop_shared.events.sla import ClockBreached, ClockStarted

SATISFACTION_CALLBACK = "satisfaction_callback"


def change_name(event_type: str) -> str:
    """``closeloop.intake.complaint.resolved.v1`` → ``resolved``."""
    parts = event_type.split(".")
    return parts[3] if len(parts) >= 5 else ""


class EventHandlers:
    """Applies lifecycle, routing and SLA events."""

    def __init__(
        self,
        *,
        records: ComplaintRecords,
        notifier: Notifier,
        surveys: SurveyService,
        survey_store: SurveyStore,
        delay_notice_clocks: Collection[str],
        clock: Clock = utc_now,
    ) -> None:
        self._records, self._notifier, self._surveys = records, notifier, surveys
        self._survey_store = survey_store
        self._delay_clocks = frozenset(delay_notice_clocks)
        self._clock = clock

    async def handle(self, event: CloudEvent) -> None:
        """Apply one event; unknown types are ignored (other consumers need them)."""
        data = event.data
        if isinstance(data, ComplaintReceived):
            await self._records.remember_received(
                data.complaint_id,
                customer_sealed=data.customer_sealed,
                language=data.language,
                channel=data.channel.value,
                contact_methods=list(data.contact_methods),
                pseudonym=data.customer_pseudonym,
                received_at=data.received_at,
                severity=data.severity.value,
            )
        elif isinstance(data, ChangeEvent):
            await self._on_change(event, data)
        elif isinstance(data, ComplaintRouted | ComplaintAssigned | ComplaintQueued):
            await self._on_department(data.complaint_id, data.department, data.at)
            if isinstance(data, ComplaintAssigned):
                await self._records.set_assignee(data.complaint_id, data.assignee, at=data.at)
        elif isinstance(data, ComplaintTransferred):
            await self._on_department(data.complaint_id, data.to_department, data.at)
        elif isinstance(data, ClockStarted) and data.clock == SATISFACTION_CALLBACK:
            if data.deadline is not None:
                await self._records.set_callback_deadline(data.complaint_id, data.deadline)
                await self._survey_store.bring_forward(data.complaint_id, data.deadline)
        elif isinstance(data, ClockBreached) and data.breach_number == 1:
            template = template_for_breach(data.clock, self._delay_clocks)
            if template is not None:
                record = await self._records.get(data.complaint_id)
                complex_case = record is not None and record.severity == "complex"
                # R4: a complex case that runs late tells the customer that is why.
                fields: dict[str, object] = {
                    "clock": data.clock,
                    "deadline": data.deadline,
                    "complex_case": True if complex_case else None,
                }
                await self._notify(event, data.complaint_id, template, fields)

    async def _on_change(self, event: CloudEvent, data: ChangeEvent) -> None:
        await self._records.set_status(data.complaint_id, data.status.value, at=data.at)
        if isinstance(data, ComplaintReopened):
            await self._surveys.cancel_open(data.complaint_id, now=self._clock())
        template = template_for_change(change_name(event.type))
        if template is not None:
            await self._notify(event, data.complaint_id, template, data.model_dump())
        if isinstance(data, ComplaintResolved):
            await self._surveys.schedule(
                data.complaint_id,
                resolution_event_id=event.id,
                resolved_at=data.at,
                now=self._clock(),
            )

    async def _on_department(self, complaint_id: str, department: str, at: datetime) -> None:
        await self._records.set_department(complaint_id, department, at=at)
        await self._survey_store.set_department_if_missing(complaint_id, department)

    async def _notify(
        self, event: CloudEvent, complaint_id: str, template: Template, fields: Mapping[str, object]
    ) -> None:
        await self._notifier.notify(
            trigger_id=event.id,
            complaint_id=complaint_id,
            template=template,
            fields=fields,
            now=self._clock(),
        )
