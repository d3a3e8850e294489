"""Response schemas of the audit API. No schema carries a payload or contact data: an
auditor sees types, subjects, times and hashes, which is all verification needs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from closeloop_audit.domain.chain import AuditEntry
from closeloop_audit.domain.checkpoint import ORIGIN, Checkpoint, format_signed_at

MAX_SEQ = 2**62  # sequence numbers are 64-bit integers in MongoDB; larger is a 422


class ActorRead(BaseModel):
    """Who acted: the subject and the role they acted in (null for older events)."""

    subject: str
    role: str | None = None


class EntryRead(BaseModel):
    """One log entry: what happened, who acted, where it was read, and the hashes that
    seal it (``actor`` is read from the event, which ``payload_hash`` seals)."""

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
    actor: ActorRead | None = None

    @classmethod
    def of(cls, entry: AuditEntry, actor: dict[str, Any] | None = None) -> EntryRead:
        return cls(**entry.to_dict(), actor=ActorRead(**actor) if actor else None)


class TrailRead(BaseModel):
    """The entries about one complaint, in log order."""

    complaint_id: str
    entries: list[EntryRead]
    next_after: int | None = Field(
        description="pass as ?after= for the next page; null on the last page"
    )


class VerificationRead(BaseModel):
    """The verdict of a full verification of the stored log."""

    ok: bool
    entries: int = Field(description="entries verified (the trusted prefix when not ok)")
    first_bad: int | None
    problem: str | None = Field(
        description="modified | missing | inserted | reordered | root_mismatch | bad_signature"
    )
    detail: str
    root: str | None
    checkpoints_checked: int
    key_pinned: bool


class CheckpointRead(BaseModel):
    """A signed Merkle root over the first ``tree_size`` entries."""

    origin: str = ORIGIN
    tree_size: int
    root_hash: str
    signed_at: str
    key_id: str
    public_key: str
    signature: str
    signed_message: str = Field(description="the exact bytes the signature covers (UTF-8)")

    @classmethod
    def of(cls, checkpoint: Checkpoint) -> CheckpointRead:
        return cls(
            tree_size=checkpoint.tree_size,
            root_hash=checkpoint.root_hash,
            signed_at=format_signed_at(checkpoint.signed_at),
            key_id=checkpoint.key_id,
            public_key=checkpoint.public_key,
            signature=checkpoint.signature,
            signed_message=checkpoint.message.decode(),
        )


class CheckpointList(BaseModel):
    """Checkpoints, newest first."""

    checkpoints: list[CheckpointRead]


class PublicKeyRead(BaseModel):
    """The key that signs checkpoints."""

    algorithm: str = "Ed25519"
    key_id: str
    public_key: str = Field(description="base64 of the raw 32-byte public key")


class InclusionProofRead(BaseModel):
    """RFC 9162 inclusion proof of an entry in a signed tree."""

    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]
    entry: EntryRead
    checkpoint: CheckpointRead


class ConsistencyProofRead(BaseModel):
    """RFC 9162 consistency proof between two signed trees."""

    from_size: int = Field(serialization_alias="from")
    to_size: int = Field(serialization_alias="to")
    proof: list[str]
    from_checkpoint: CheckpointRead
    to_checkpoint: CheckpointRead
