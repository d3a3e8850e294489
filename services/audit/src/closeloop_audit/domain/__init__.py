"""The pure audit domain: canonical hashing, the entry chain, Merkle proofs, verification."""

from closeloop_audit.domain.canonical import canonical_json
from closeloop_audit.domain.chain import (
    FIRST_SEQ,
    GENESIS_HASH,
    AuditEntry,
    ChainBuilder,
    LoggedEvent,
    entry_hash_of,
    hash_payload,
    make_entry,
)
from closeloop_audit.domain.checkpoint import (
    ORIGIN,
    Checkpoint,
    checkpoint_due,
    checkpoint_message,
)
from closeloop_audit.domain.diagnosis import Problem
from closeloop_audit.domain.jsonl import export_jsonl_lines, verify_jsonl
from closeloop_audit.domain.merkle import (
    MerkleAccumulator,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    node_hash,
    verify_consistency,
    verify_inclusion,
)
from closeloop_audit.domain.records import RawRecord, describe_record, record_event_id
from closeloop_audit.domain.synthetic import generate_log
from closeloop_audit.domain.verify import VerificationReport, verify_entries

__all__ = [
    "FIRST_SEQ",
    "GENESIS_HASH",
    "ORIGIN",
    "AuditEntry",
    "ChainBuilder",
    "Checkpoint",
    "LoggedEvent",
    "MerkleAccumulator",
    "Problem",
    "RawRecord",
    "VerificationReport",
    "canonical_json",
    "checkpoint_due",
    "checkpoint_message",
    "consistency_proof",
    "describe_record",
    "entry_hash_of",
    "export_jsonl_lines",
    "generate_log",
    "hash_payload",
    "inclusion_proof",
    "leaf_hash",
    "make_entry",
    "merkle_root",
    "node_hash",
    "record_event_id",
    "verify_consistency",
    "verify_entries",
    "verify_inclusion",
    "verify_jsonl",
]
