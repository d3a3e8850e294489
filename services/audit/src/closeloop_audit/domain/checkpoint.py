"""Signed checkpoints: what is signed, and when a new checkpoint is due.

A checkpoint states "the first ``tree_size`` entries of the Closeloop audit log have the
RFC 9162 Merkle root ``root_hash``", signed at ``signed_at`` by key ``key_id``. The signed
bytes are the RFC 8785 canonical JSON of those fields plus the log's ``origin``, so anyone
holding a copy (e.g. from the ``audit.checkpoints`` topic) can rebuild them exactly.
``signed_at`` is signed as UTC text with microseconds and a ``Z`` suffix, which does not
depend on how a transport serialised the datetime.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from closeloop_audit.domain.canonical import canonical_json

__all__ = [
    "ORIGIN",
    "Checkpoint",
    "checkpoint_due",
    "checkpoint_message",
    "format_signed_at",
]

ORIGIN = "closeloop-audit"


def format_signed_at(moment: datetime) -> str:
    """``signed_at`` as signed: UTC, microseconds, ``Z`` (naive datetimes are UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def checkpoint_message(tree_size: int, root_hash: str, signed_at: datetime, key_id: str) -> bytes:
    """The exact bytes a checkpoint signature covers."""
    return canonical_json(
        {
            "origin": ORIGIN,
            "tree_size": tree_size,
            "root_hash": root_hash.lower(),
            "signed_at": format_signed_at(signed_at),
            "key_id": key_id,
        }
    )


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed Merkle root over the first ``tree_size`` entries."""

    tree_size: int
    root_hash: str
    signed_at: datetime
    key_id: str
    public_key: str  # base64 raw Ed25519 public key
    signature: str  # base64 Ed25519 signature over ``message``

    @property
    def message(self) -> bytes:
        """The signed bytes."""
        return checkpoint_message(self.tree_size, self.root_hash, self.signed_at, self.key_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (``signed_at`` in its signed text form)."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "signed_at": format_signed_at(self.signed_at),
            "key_id": self.key_id,
            "public_key": self.public_key,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Rebuild from ``to_dict`` output or a stored document (extra keys ignored)."""
        signed_at = data["signed_at"]
        if isinstance(signed_at, str):
            signed_at = datetime.fromisoformat(signed_at.replace("Z", "+00:00"))
        return cls(
            tree_size=int(data["tree_size"]),
            root_hash=str(data["root_hash"]),
            signed_at=signed_at,
            key_id=str(data["key_id"]),
            public_key=str(data.get("public_key", "")),
            signature=str(data["signature"]),
        )


def checkpoint_due(
    *,
    head_seq: int,
    last_checkpoint_size: int,
    seconds_since_last: float,
    every: int,
    interval_s: float,
) -> bool:
    """True when a checkpoint should be signed now: ``every`` new entries have accumulated,
    or ``interval_s`` has passed and there is at least one new entry."""
    pending = head_seq - last_checkpoint_size
    if pending <= 0:
        return False
    return pending >= every or seconds_since_last >= interval_s
