"""Deterministic synthetic audit logs for benchmarks, load tests and tamper tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from typing import Any

from closeloop_audit.domain.chain import FIRST_SEQ, GENESIS_HASH, entry_hash_of

__all__ = ["generate_log"]

_TOPICS = (
    ("complaints.events.v1", "complaint.created"),
    ("complaints.events.v1", "complaint.acknowledged"),
    ("routing.assignments.v1", "complaint.routed"),
    ("sla.clocks.v1", "sla.warning"),
    ("complaints.events.v1", "complaint.resolved"),
    ("feedback.surveys.v1", "survey.answered"),
)
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def generate_log(n: int, *, partitions: int = 3) -> Iterator[dict[str, Any]]:
    """Yield ``n`` valid, correctly chained entries as dicts (``AuditEntry.to_dict`` shape).

    The same ``n`` always yields the same log, so tests can tamper with known entries.
    """
    prev_hash = GENESIS_HASH
    offsets = [0] * partitions
    for seq in range(FIRST_SEQ, FIRST_SEQ + n):
        topic, event_type = _TOPICS[seq % len(_TOPICS)]
        partition = seq % partitions
        offset = offsets[partition]
        offsets[partition] = offset + 1
        complaint = seq // 5
        entry: dict[str, Any] = {
            "seq": seq,
            "recorded_at": (_EPOCH + timedelta(milliseconds=seq * 7)).isoformat(),
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "event_id": f"evt-{seq:012d}",
            "event_type": event_type,
            "subject": None if seq % 11 == 0 else f"CMP-{complaint:08d}",
            "payload_hash": sha256(f"payload {seq}".encode()).hexdigest(),
            "prev_hash": prev_hash,
        }
        entry["entry_hash"] = prev_hash = entry_hash_of(entry)
        yield entry
