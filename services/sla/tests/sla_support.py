"""Test helpers (no I/O): faust-like events, an in-memory clock table and a publisher that
records what the table held when each batch was published. Used by the unit tests; kept
beside them, out of the shipped package."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from closeloop_shared.events import intake, sla
from closeloop_shared.events.envelope import CloudEvent, EventData, encode_event
from closeloop_sla.adapters.clock_store import RowWrite
from closeloop_sla.adapters.outgoing import Outgoing
from closeloop_sla.adapters.policy_documents import PolicyDoc
from closeloop_sla.domain.policy_library import PolicyLibrary


@dataclass
class FakeMessage:
    value: bytes | None
    headers: list[tuple[str, bytes]]
    partition: int
    topic: str
    offset: int
    key: bytes | None


@dataclass
class FakeEvent:
    message: FakeMessage


def record(
    body: EventData, *, subject: str, topic: str, partition: int = 0, event_id: str | None = None
) -> FakeEvent:
    """A faust-like event carrying ``body`` as a CloudEvent."""
    extra = {"id": event_id} if event_id else {}
    key, value, headers = encode_event(CloudEvent.of(body, source="test", subject=subject, **extra))
    return FakeEvent(FakeMessage(value, headers, partition, topic, 0, key))


def received(
    cid: str, at: datetime, *, category: str = "quick", event_id: str | None = None
) -> FakeEvent:
    body = intake.ComplaintReceived(
        complaint_id=cid,
        at=at,
        received_at=at,
        channel="web",
        kind="complaint",
        category=category,
        severity="normal",
        severity_reason="test",
        customer_pseudonym="p",
    )
    return record(body, subject=cid, topic="complaints.lifecycle.v1", event_id=event_id)


def expire(cid: str, at: datetime) -> FakeEvent:
    body = sla.ExpireClock(complaint_id=cid, at=at, clock="first_response", due_at=at)
    return record(body, subject=cid, topic="sla.commands.v1")


def tick(partition: int, at: datetime) -> FakeEvent:
    """The timer's ``ExpireDue`` for ``partition``."""
    body = sla.ExpireDue(at=at, partition=partition)
    return record(body, subject=f"due-{partition}", topic="sla.commands.v1", partition=partition)


@dataclass
class FakeStore:
    """The clock table as a dict keyed by (partition, complaint id)."""

    rows_by_key: dict[tuple[int, str], bytes] = field(default_factory=dict)

    def get(self, partition: int, complaint_id: str) -> bytes | None:
        return self.rows_by_key.get((partition, complaint_id))

    async def write(self, rows: Sequence[RowWrite]) -> None:
        for partition, complaint_id, row in rows:
            self.rows_by_key[(partition, complaint_id)] = row

    def rows(self, partition: int, after: str | None = None) -> Iterator[tuple[str, bytes]]:
        for (p, cid), row in sorted(self.rows_by_key.items()):
            if p == partition and (after is None or cid > after):
                yield cid, row


@dataclass
class RecordingPublisher:
    """Keeps every published batch and a snapshot of the table at publish time."""

    store: FakeStore
    batches: list[Outgoing] = field(default_factory=list)
    table_at_publish: list[dict[tuple[int, str], bytes]] = field(default_factory=list)
    fail: bool = False

    async def publish(self, out: Outgoing) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.batches.append(out)
        self.table_at_publish.append(dict(self.store.rows_by_key))

    def events(self, type_suffix: str = "") -> list[CloudEvent]:
        return [e for b in self.batches for e in b.events if e.type.endswith(type_suffix)]


def quick_library(target: str = "PT10S", warn_at: tuple[float, ...] = ()) -> PolicyLibrary:
    """The default policies plus ``quick`` (category quick): first response in ``target``."""
    library = PolicyLibrary()
    quick = PolicyDoc.model_validate(
        {
            "id": "quick",
            "priority": 100,
            "match": {"categories": ["quick"]},
            "clocks": [
                {
                    "clock": "first_response",
                    "target": target,
                    "calendar": "24x7",
                    "warn_at": list(warn_at),
                }
            ],
        }
    ).to_domain(1)
    library.install_policies((*library.current_policies, quick), current=True)
    return library
