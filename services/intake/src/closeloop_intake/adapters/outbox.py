"""The embedded outbox: events stored inside the complaint document until published.

An entry is the Kafka record exactly as it will be sent (key, JSON value, CloudEvents
headers), so the event id and time are fixed at write time: a re-publish after a crash
carries the same ``ce_id`` and consumers deduplicate it.
"""

from __future__ import annotations

from typing import Any

from closeloop_shared.events.envelope import CloudEvent, decode_event, encode_event
from closeloop_shared.events.registry import EVENT_TYPES

OutboxEntry = dict[str, Any]


def outbox_entry(event: CloudEvent) -> OutboxEntry:
    """Encode ``event`` for the outbox array."""
    key, value, headers = encode_event(event)
    return {
        "id": event.id,
        "topic": EVENT_TYPES[event.type].topic,
        "key": key.decode(),
        "value": value.decode(),
        "headers": [[name, raw.decode()] for name, raw in headers],
    }


def event_of(entry: OutboxEntry) -> CloudEvent:
    """Decode an outbox entry back into the event it was written from (same id and time)."""
    headers = [(str(name), str(value).encode()) for name, value in entry["headers"]]
    return decode_event(str(entry["value"]).encode(), headers)
