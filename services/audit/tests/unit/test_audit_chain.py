"""Audit entries: sealing, linking, the chain builder and its Merkle state."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from closeloop_audit.domain.canonical import canonical_json
from closeloop_audit.domain.chain import (
    ENTRY_FIELDS,
    GENESIS_HASH,
    AuditEntry,
    ChainBuilder,
    LoggedEvent,
    entry_hash_of,
    entry_signing_bytes,
    hash_payload,
    make_entry,
)
from closeloop_audit.domain.merkle import (
    MerkleAccumulator,
    inclusion_proof,
    leaf_hash,
    merkle_root,
    verify_inclusion,
)


def _event(number: int, subject: str | None = "CMP-1") -> LoggedEvent:
    return LoggedEvent(
        recorded_at=f"2026-03-01T08:00:{number:02d}+00:00",
        topic="complaints.events.v1",
        partition=number % 3,
        offset=number,
        event_id=f"evt-{number}",
        event_type="complaint.created",
        subject=subject,
        payload_hash=hash_payload({"n": number, "text": "账单重复扣费"}),
    )


def test_first_entry_is_seq_one_and_links_to_genesis() -> None:
    entry = make_entry(None, 1, _event(1))
    assert entry.seq == 1
    assert entry.prev_hash == GENESIS_HASH == "0" * 64


def test_entry_hash_is_the_leaf_hash_of_the_canonical_fields_without_itself() -> None:
    entry = make_entry(None, 1, _event(1))
    fields = {k: v for k, v in entry.to_dict().items() if k != "entry_hash"}
    expected = hashlib.sha256(b"\x00" + canonical_json(fields)).hexdigest()
    assert entry.entry_hash == expected
    assert entry.leaf == leaf_hash(canonical_json(fields))


def test_each_entry_links_to_the_hash_of_the_previous_one() -> None:
    first = make_entry(None, 1, _event(1))
    second = make_entry(first, 2, _event(2))
    assert second.prev_hash == first.entry_hash
    with pytest.raises(ValueError):
        make_entry(first, 3, _event(3))
    with pytest.raises(ValueError):
        make_entry(None, 2, _event(2))


def test_changing_any_field_changes_the_entry_hash() -> None:
    entry = make_entry(None, 1, _event(1))
    changes: dict[str, Any] = {
        "seq": 2,
        "recorded_at": "x",
        "topic": "t",
        "partition": 9,
        "offset": 99,
        "event_id": "e",
        "event_type": "t",
        "subject": None,
        "payload_hash": "0" * 64,
        "prev_hash": "1" * 64,
    }
    assert set(changes) == set(ENTRY_FIELDS)
    for name, value in changes.items():
        assert entry_hash_of(replace(entry, **{name: value}).to_dict()) != entry.entry_hash


def test_payload_hash_is_sha256_of_canonical_payload() -> None:
    payload = {"b": 1, "a": "投诉"}
    assert hash_payload(payload) == hashlib.sha256('{"a":"投诉","b":1}'.encode()).hexdigest()


def test_wrongly_typed_fields_never_hash_like_the_right_ones() -> None:
    fields = make_entry(None, 1, _event(1)).to_dict()
    for name, value in [("offset", True), ("seq", 1.0), ("partition", "1"), ("topic", 5)]:
        with pytest.raises((TypeError, ValueError)):
            entry_signing_bytes({**fields, name: value})
    with pytest.raises(KeyError):
        entry_signing_bytes({k: v for k, v in fields.items() if k != "topic"})


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)


@given(TEXT, TEXT, st.one_of(st.none(), TEXT), st.integers(0, 2**53), st.integers(1, 2**40))
def test_fast_signing_bytes_equal_the_general_canonical_encoding(
    event_id: str, topic: str, subject: str | None, offset: int, seq: int
) -> None:
    fields = {
        "seq": seq,
        "recorded_at": "2026-01-01T00:00:00Z",
        "topic": topic,
        "partition": 0,
        "offset": offset,
        "event_id": event_id,
        "event_type": 'x\n"y"',
        "subject": subject,
        "payload_hash": "ab" * 32,
        "prev_hash": GENESIS_HASH,
        "entry_hash": "ignored",
    }
    general = canonical_json({k: v for k, v in fields.items() if k != "entry_hash"})
    assert entry_signing_bytes(fields) == general


def test_to_json_line_round_trips_through_from_dict() -> None:
    entry = make_entry(None, 1, _event(1, subject="CMP-中文"))
    assert AuditEntry.from_dict(json.loads(entry.to_json_line())) == entry
    assert AuditEntry.from_dict({**entry.to_dict(), "_id": "mongo"}) == entry


def test_chain_builder_links_a_batch_and_tracks_the_merkle_root() -> None:
    builder = ChainBuilder()
    entries = builder.extend(_event(i) for i in range(1, 8))
    assert [e.seq for e in entries] == list(range(1, 8))
    assert all(b.prev_hash == a.entry_hash for a, b in pairwise(entries))
    assert builder.head_seq == 7 and builder.head_hash == entries[-1].entry_hash
    leaves = [e.leaf for e in entries]
    assert builder.root_hex() == merkle_root(leaves).hex()
    proof = inclusion_proof(leaves, 4, 7)
    assert verify_inclusion(entries[4].leaf, entries[4].seq - 1, 7, proof, builder.tree.root())


def test_chain_builder_resumes_from_a_stored_head_and_merkle_state() -> None:
    whole = ChainBuilder()
    entries = whole.extend(_event(i) for i in range(1, 11))
    first = ChainBuilder()
    first.extend(_event(i) for i in range(1, 6))
    resumed = ChainBuilder(entries[4], MerkleAccumulator(first.tree.size, first.tree.peaks))
    assert resumed.extend(_event(i) for i in range(6, 11)) == entries[5:]
    assert resumed.root_hex() == whole.root_hex()
    with pytest.raises(ValueError):
        ChainBuilder(entries[4], MerkleAccumulator())
