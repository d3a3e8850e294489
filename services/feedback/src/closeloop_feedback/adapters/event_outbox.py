"""Embedded event outbox: a document's events are pushed into its ``outbox`` array in the
same write as the change they announce, and a relay publishes and removes them. A crash
between the write and the publish loses nothing; a crash between publish and removal
publishes again with the same CloudEvents id, which consumers ignore."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from pymongo.asynchronous.database import AsyncDatabase

from closeloop_shared.events.envelope import CloudEvent, source_of
from closeloop_shared.events.registry import model_for, type_of
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.mongo import PENDING_EVENTS, Document, IndexSpec

SOURCE = source_of("feedback")


def outbox_index(collection: str) -> IndexSpec:
    """Finds documents with unpublished events without scanning the collection."""
    return IndexSpec(collection, [("outbox.id", 1)], options={"sparse": True})


def stored_event(
    data: BaseModel, *, event_id: str, subject: str, at: datetime | None = None
) -> Document:
    """An event as kept in an outbox array until published."""
    return {
        "id": event_id,
        "type": type_of(type(data)),
        "subject": subject,
        "time": at or datetime.now(UTC),
        "data": data.model_dump(mode="json"),
    }


def push_events(events: Sequence[Document]) -> dict[str, Any]:
    """The ``$push`` fragment that queues ``events`` with a document change."""
    return {"outbox": {"$each": list(events)}}


def to_cloud_event(stored: Document) -> CloudEvent:
    """Rebuild the CloudEvent of a stored outbox entry."""
    model = model_for(stored["type"])
    return CloudEvent(
        type=stored["type"],
        source=SOURCE,
        subject=stored["subject"],
        data=model.model_validate(stored["data"]),
        id=stored["id"],
        time=stored["time"],
    )


class EventRelay:
    """Publishes outbox entries of the given collections, oldest document first."""

    def __init__(
        self, db: AsyncDatabase[Document], producer: EventProducer, collections: Sequence[str]
    ) -> None:
        self._colls = [db[name] for name in collections]
        self._producer = producer

    async def pending(self) -> int:
        """Documents with unpublished events (for the outbox gauge)."""
        total = 0
        for coll in self._colls:
            total += await coll.count_documents(PENDING_EVENTS)
        return total

    async def relay_once(self, limit: int = 100) -> int:
        """Publish what is pending (up to ``limit`` documents per collection); return the
        number of events published."""
        published = 0
        for coll in self._colls:
            cursor = coll.find(PENDING_EVENTS, {"outbox": 1}).limit(limit)
            async for doc in cursor:
                entries = doc.get("outbox") or []
                if not entries:
                    continue
                await self._producer.publish_many([to_cloud_event(e) for e in entries])
                ids = [e["id"] for e in entries]
                await coll.update_one(
                    {"_id": doc["_id"]}, {"$pull": {"outbox": {"id": {"$in": ids}}}}
                )
                published += len(ids)
        return published
