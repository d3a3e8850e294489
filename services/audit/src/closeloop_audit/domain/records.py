"""What the audit log records about one Kafka record, whatever the record contains.

The log must take everything, including poison messages that are not CloudEvents, so
nothing here can fail: a missing header gets a deterministic stand-in, a body that is not
JSON is hashed as raw bytes.

Identity (the ``event_id`` the log is deduplicated on):

- on a main topic, the CloudEvents ``ce_id`` header, so an event republished by a relay
  after a crash is logged once; ``<topic>:<partition>:<offset>`` when the header is absent;
- on a dead-letter topic (``*.dlq``), ``<ce_id>@<topic>:<partition>:<offset>``. A dead
  letter keeps the headers of the event it copies, ``ce_id`` included, so deduplicating on
  ``ce_id`` alone would drop exactly what an auditor wants to see (that an event was
  dead-lettered, and by how many consumer groups). Its Kafka coordinates make it unique and
  stable across redeliveries.

Payload hash: on a main topic, the SHA-256 of the RFC 8785 canonical JSON of the body when
the body is JSON (so re-serialising the same event gives the same hash), else of the raw
bytes; on a dead-letter topic always of the raw bytes (a dead letter is evidence as is).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import sha256

from closeloop_audit.domain.chain import LoggedEvent, hash_payload

__all__ = [
    "DLQ_SUFFIX",
    "UNKNOWN_TYPE",
    "RawRecord",
    "describe_record",
    "is_dead_letter_topic",
    "record_actor",
    "record_event_id",
    "record_payload_hash",
]

DLQ_SUFFIX = ".dlq"
UNKNOWN_TYPE = "unknown"


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A Kafka record as the audit sees it: coordinates, key, value and decoded headers."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Mapping[str, str]


def is_dead_letter_topic(topic: str) -> bool:
    """True for a dead-letter topic (``<topic>.dlq``)."""
    return topic.endswith(DLQ_SUFFIX)


def _coordinates(record: RawRecord) -> str:
    return f"{record.topic}:{record.partition}:{record.offset}"


def record_event_id(record: RawRecord) -> str:
    """The id the log deduplicates on (see the module docstring)."""
    ce_id = record.headers.get("ce_id", "").strip()
    if is_dead_letter_topic(record.topic):
        return f"{ce_id}@{_coordinates(record)}" if ce_id else _coordinates(record)
    return ce_id or _coordinates(record)


def record_payload_hash(record: RawRecord) -> str:
    """Hex SHA-256 of the payload (see the module docstring for which bytes)."""
    raw = record.value or b""
    if not is_dead_letter_topic(record.topic) and raw:
        try:
            return hash_payload(json.loads(raw))
        except (ValueError, TypeError, RecursionError):
            pass  # not JSON (or not I-JSON): fall back to the bytes as they are
    return sha256(raw).hexdigest()


def _subject(record: RawRecord) -> str | None:
    subject = record.headers.get("ce_subject", "").strip()
    if subject:
        return subject
    if record.key:
        key = record.key.decode("utf-8", "replace").strip()
        return key or None
    return None


def describe_record(record: RawRecord, *, recorded_at: str) -> LoggedEvent:
    """The log's view of ``record``: identity, type, subject and payload hash."""
    return LoggedEvent(
        recorded_at=recorded_at,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        event_id=record_event_id(record),
        event_type=record.headers.get("ce_type", "").strip() or UNKNOWN_TYPE,
        subject=_subject(record),
        payload_hash=record_payload_hash(record),
    )


def record_actor(record: RawRecord) -> dict[str, str | None] | None:
    """Who acted, as the event says: ``acted_by`` (subject and role) of a complaint event,
    else the bare ``actor`` of older lifecycle events (role unknown); None when the record
    names nobody or is not a JSON object. Never raises."""
    if is_dead_letter_topic(record.topic) or not record.value:
        return None
    try:
        body = json.loads(record.value)
    except (ValueError, TypeError, RecursionError):
        return None
    if not isinstance(body, dict):
        return None
    acted = body.get("acted_by")
    if isinstance(acted, dict) and isinstance(acted.get("subject"), str):
        role = acted.get("role")
        return {"subject": acted["subject"], "role": role if isinstance(role, str) else None}
    actor = body.get("actor")
    return {"subject": actor, "role": None} if isinstance(actor, str) and actor else None
