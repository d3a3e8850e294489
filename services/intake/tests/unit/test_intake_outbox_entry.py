"""Outbox entries keep the event exactly as it will be published (same id and time)."""

from __future__ import annotations

from datetime import UTC, datetime

from closeloop_intake.adapters.outbox import event_of, outbox_entry
from closeloop_shared.events.envelope import CloudEvent
from closeloop_shared.events.intake import ComplaintAcknowledged
from closeloop_shared.topics import COMPLAINT_LIFECYCLE


def test_an_outbox_entry_decodes_to_the_same_event() -> None:
    at = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    data = ComplaintAcknowledged(
        complaint_id="CMP-1", at=at, version=2, actor="agent-7", status="acknowledged"
    )
    event = CloudEvent.of(data, source="/closeloop/intake", subject="CMP-1", time=at)
    entry = outbox_entry(event)
    assert entry["id"] == event.id
    assert entry["topic"] == COMPLAINT_LIFECYCLE.name
    assert entry["key"] == "CMP-1"
    again = event_of(entry)
    assert (again.id, again.type, again.time, again.subject) == (
        event.id,
        event.type,
        at,
        "CMP-1",
    )
    assert again.data == data


def test_an_outbox_entry_is_plain_json_types() -> None:
    data = ComplaintAcknowledged(
        complaint_id="CMP-2", at=datetime.now(UTC), version=2, actor="a", status="acknowledged"
    )
    entry = outbox_entry(CloudEvent.of(data, source="/s", subject="CMP-2"))
    assert all(isinstance(v, str) for k, v in entry.items() if k != "headers")
    assert dict(entry["headers"])["ce_specversion"] == "1.0"
