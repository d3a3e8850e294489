"""The audit log entry and the hash chain that links entries in order.

Sequence numbers start at 1, so an entry's Merkle leaf index is ``seq - 1`` and the tree
containing everything up to and including entry ``seq`` has size ``seq``. The first entry
links to ``GENESIS_HASH``.

``entry_hash`` is the RFC 9162 leaf hash (``SHA-256(0x00 || bytes)``) of the canonical JSON
of every other field, ``prev_hash`` included. One value therefore both links the chain and
is the Merkle leaf, so the chain and the tree cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from hashlib import sha256
from json.encoder import encode_basestring
from typing import Any

from closeloop_audit.domain.canonical import canonical_json
from closeloop_audit.domain.merkle import MerkleAccumulator

__all__ = [
    "ENTRY_FIELDS",
    "FIRST_SEQ",
    "GENESIS_HASH",
    "AuditEntry",
    "ChainBuilder",
    "LoggedEvent",
    "entry_hash_of",
    "entry_signing_bytes",
    "hash_payload",
    "make_entry",
]

GENESIS_HASH = "0" * 64
FIRST_SEQ = 1

# The hashed fields, in canonical (sorted) order.
ENTRY_FIELDS = (
    "event_id",
    "event_type",
    "offset",
    "partition",
    "payload_hash",
    "prev_hash",
    "recorded_at",
    "seq",
    "subject",
    "topic",
)
_INT_FIELDS = ("offset", "partition", "seq")

# Precomputed layout of the canonical form; fields are filled in ENTRY_FIELDS order. This
# is the hot path of verification, so it avoids the general canonical_json walk.
_SIGNING_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in ENTRY_FIELDS) + "}"


def entry_signing_bytes(fields: Mapping[str, Any]) -> bytes:
    """Canonical JSON (RFC 8785) of an entry's hashed fields; ``entry_hash`` is ignored.

    Raises ``KeyError`` for a missing field and ``TypeError``/``ValueError`` for a field of
    the wrong type (so a malformed record can never hash like a well-formed one).
    """
    for name in _INT_FIELDS:
        if type(fields[name]) is not int:
            raise TypeError(f"{name} must be an int")
    subject = fields["subject"]
    text = _SIGNING_TEMPLATE % (
        encode_basestring(fields["event_id"]),
        encode_basestring(fields["event_type"]),
        fields["offset"],
        fields["partition"],
        encode_basestring(fields["payload_hash"]),
        encode_basestring(fields["prev_hash"]),
        encode_basestring(fields["recorded_at"]),
        fields["seq"],
        "null" if subject is None else encode_basestring(subject),
        encode_basestring(fields["topic"]),
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("field contains a lone surrogate") from exc


def entry_hash_of(fields: Mapping[str, Any]) -> str:
    """Hex leaf hash of an entry's hashed fields: what its ``entry_hash`` must be."""
    return sha256(b"\x00" + entry_signing_bytes(fields)).hexdigest()


def hash_payload(payload: object) -> str:
    """Hex SHA-256 of the canonical JSON of an event payload (the entry's payload_hash)."""
    return sha256(canonical_json(payload)).hexdigest()


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """What the audit log records about one Kafka event (everything but the chain links)."""

    recorded_at: str
    topic: str
    partition: int
    offset: int
    event_id: str
    event_type: str
    subject: str | None
    payload_hash: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One append-only log entry; ``entry_hash`` seals every other field."""

    seq: int
    recorded_at: str
    topic: str
    partition: int
    offset: int
    event_id: str
    event_type: str
    subject: str | None
    payload_hash: str
    prev_hash: str
    entry_hash: str

    @property
    def leaf(self) -> bytes:
        """The Merkle leaf hash of this entry (``entry_hash`` as bytes)."""
        return bytes.fromhex(self.entry_hash)

    def to_dict(self) -> dict[str, Any]:
        """All fields, ``entry_hash`` included, as a plain JSON-ready dict."""
        return {
            "seq": self.seq,
            "recorded_at": self.recorded_at,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "subject": self.subject,
            "payload_hash": self.payload_hash,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }

    def to_json_line(self) -> str:
        """The entry as one canonical JSON line (the export format, without newline)."""
        return canonical_json(self.to_dict()).decode("utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        """Rebuild an entry from a stored document; extra keys (e.g. ``_id``) are ignored."""
        return cls(
            seq=data["seq"],
            recorded_at=data["recorded_at"],
            topic=data["topic"],
            partition=data["partition"],
            offset=data["offset"],
            event_id=data["event_id"],
            event_type=data["event_type"],
            subject=data["subject"],
            payload_hash=data["payload_hash"],
            prev_hash=data["prev_hash"],
            entry_hash=data["entry_hash"],
        )


def make_entry(prev: AuditEntry | None, seq: int, event: LoggedEvent) -> AuditEntry:
    """Seal ``event`` as entry ``seq``, linked to ``prev`` (None for the first entry)."""
    expected = FIRST_SEQ if prev is None else prev.seq + 1
    if seq != expected:
        raise ValueError(f"entry after {prev.seq if prev else 'genesis'} must be seq {expected}")
    prev_hash = GENESIS_HASH if prev is None else prev.entry_hash
    return _seal(seq, prev_hash, event)


def _seal(seq: int, prev_hash: str, event: LoggedEvent) -> AuditEntry:
    fields: dict[str, Any] = {
        "seq": seq,
        "recorded_at": event.recorded_at,
        "topic": event.topic,
        "partition": event.partition,
        "offset": event.offset,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "subject": event.subject,
        "payload_hash": event.payload_hash,
        "prev_hash": prev_hash,
    }
    return AuditEntry(**fields, entry_hash=entry_hash_of(fields))


class ChainBuilder:
    """Extends the chain from its current head and keeps the Merkle state in step.

    Resume after a restart with the stored head entry and the persisted accumulator
    (``MerkleAccumulator(size, peaks)``); their sizes must agree.
    """

    def __init__(
        self, head: AuditEntry | None = None, accumulator: MerkleAccumulator | None = None
    ) -> None:
        self._head_seq = FIRST_SEQ - 1 if head is None else head.seq
        self._head_hash = GENESIS_HASH if head is None else head.entry_hash
        self._tree = accumulator if accumulator is not None else MerkleAccumulator()
        if self._tree.size != self._head_seq:
            raise ValueError(
                f"accumulator holds {self._tree.size} leaves but the head is seq {self._head_seq}"
            )

    @property
    def head_seq(self) -> int:
        """Sequence number of the last entry (0 before the first)."""
        return self._head_seq

    @property
    def head_hash(self) -> str:
        """entry_hash of the last entry (GENESIS_HASH before the first)."""
        return self._head_hash

    @property
    def tree(self) -> MerkleAccumulator:
        """The Merkle state covering entries 1..head_seq."""
        return self._tree

    def root_hex(self) -> str:
        """Hex Merkle root over every entry so far (tree size == head_seq)."""
        return self._tree.root().hex()

    def append(self, event: LoggedEvent) -> AuditEntry:
        """Seal one event as the next entry."""
        entry = _seal(self._head_seq + 1, self._head_hash, event)
        self._tree.append(entry.leaf)
        self._head_seq = entry.seq
        self._head_hash = entry.entry_hash
        return entry

    def extend(self, events: Iterable[LoggedEvent]) -> list[AuditEntry]:
        """Seal a batch of events in order and return the new entries."""
        return [self.append(event) for event in events]
