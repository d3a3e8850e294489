"""Events stored next to the decision that produced them (an embedded outbox).

A decision and its events are written in one document update; publishing comes after.
If the process dies in between, the events are still on the document and are re-sent —
by the redelivered Kafka record, or by the relay for decisions made over HTTP. A re-sent
event keeps its id, so consumers that already have it ignore it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from closeloop_shared.events.envelope import CloudEvent, source_of
from closeloop_shared.events.registry import model_for

SOURCE = source_of("routing")


def to_entry(event: CloudEvent, cause: str | None) -> dict[str, Any]:
    """The stored form of ``event``; ``cause`` is the id of the event that led to it."""
    return {
        "id": event.id,
        "type": event.type,
        "subject": event.subject,
        "time": event.time,
        "data": event.data.model_dump(mode="json"),
        "cause": cause,
        "at": datetime.now(UTC),
    }


def from_entry(entry: dict[str, Any]) -> CloudEvent:
    """The event a stored entry describes, with its original id and time."""
    model = model_for(entry["type"])
    time: datetime = entry["time"]
    return CloudEvent(
        type=entry["type"],
        source=SOURCE,
        subject=entry["subject"],
        data=model.model_validate(entry["data"]),
        id=entry["id"],
        time=time if time.tzinfo else time.replace(tzinfo=UTC),
    )
