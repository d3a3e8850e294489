"""Events the audit service publishes."""

from __future__ import annotations

from datetime import datetime

from closeloop_shared.events.envelope import EventData
from closeloop_shared.events.registry import event_type
from closeloop_shared.topics import AUDIT_CHECKPOINTS


@event_type("closeloop.audit.checkpoint.signed.v1", topic=AUDIT_CHECKPOINTS.name)
class CheckpointSigned(EventData):
    """A signed Merkle root over the first ``tree_size`` audit entries (RFC 9162 hashing)."""

    tree_size: int
    root_hash: str  # hex SHA-256
    signed_at: datetime
    key_id: str
    signature: str  # base64 Ed25519 over the checkpoint's canonical bytes
