"""Inclusion and consistency proofs against signed checkpoints.

Proofs need the leaf hashes of the whole tree. The log is append-only, so the leaves read
once are kept in memory (32 bytes each, 32 MB per million entries) and only the new ones are
read on the next request. Every proof is checked against the signed root before it is
returned: a stored log that no longer matches its checkpoint gets a 409, not a proof that
fails at the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from closeloop_audit.adapters.checkpoint_store import CheckpointStore
from closeloop_audit.adapters.entry_store import EntryStore
from closeloop_audit.domain.chain import AuditEntry
from closeloop_audit.domain.checkpoint import Checkpoint
from closeloop_audit.domain.merkle import (
    consistency_proof,
    inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

HASH = 32


class ProofError(Exception):
    """A proof cannot be given; ``kind`` says why (maps to an HTTP status)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # "not_found" | "not_checkpointed" | "invalid" | "inconsistent"
        self.message = message


class LeafCache(Sequence[bytes]):
    """Leaf hashes of entries 1..n, packed in one bytearray."""

    def __init__(self) -> None:
        self._data = bytearray()

    def __len__(self) -> int:
        return len(self._data) // HASH

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> list[bytes]: ...
    def __getitem__(self, index: int | slice) -> bytes | list[bytes]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            chunk = self._data[start * HASH : stop * HASH]
            return [bytes(chunk[i : i + HASH]) for i in range(0, len(chunk), HASH)]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return bytes(self._data[index * HASH : (index + 1) * HASH])

    def extend_hex(self, hashes: Sequence[str]) -> None:
        """Append leaf hashes given in hex."""
        self._data.extend(bytes.fromhex("".join(hashes)))


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """Entry ``entry.seq`` is leaf ``seq - 1`` of the tree signed by ``checkpoint``."""

    entry: AuditEntry
    checkpoint: Checkpoint
    path: list[bytes]


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """The tree of ``old`` is a prefix of the tree of ``new``."""

    old: Checkpoint
    new: Checkpoint
    path: list[bytes]


class Prover:
    """Builds proofs from the stored log and checkpoints."""

    def __init__(self, entries: EntryStore, checkpoints: CheckpointStore) -> None:
        self._entries = entries
        self._checkpoints = checkpoints
        self._leaves = LeafCache()
        self._lock = asyncio.Lock()

    async def _leaves_up_to(self, size: int) -> LeafCache:
        async with self._lock:
            known = len(self._leaves)
            if known < size:
                rows = await self._entries.entry_hashes(known, size)
                if [seq for seq, _ in rows] != list(range(known + 1, size + 1)):
                    raise ProofError("inconsistent", f"entries {known + 1}..{size} have gaps")
                self._leaves.extend_hex([entry_hash for _, entry_hash in rows])
        return self._leaves

    async def _checkpoint(self, tree_size: int | None) -> Checkpoint:
        stored = await (
            self._checkpoints.latest() if tree_size is None else self._checkpoints.at(tree_size)
        )
        if stored is None:
            what = "no checkpoint yet" if tree_size is None else f"no checkpoint at {tree_size}"
            raise ProofError("not_found", what)
        return stored.checkpoint

    async def inclusion(self, seq: int, tree_size: int | None = None) -> InclusionProof:
        """Audit path of entry ``seq`` to the latest (or the given) checkpoint's root."""
        checkpoint = await self._checkpoint(tree_size)
        if seq > checkpoint.tree_size:
            kind = "not_checkpointed" if tree_size is None else "invalid"
            raise ProofError(kind, f"seq {seq} is beyond tree size {checkpoint.tree_size}")
        entry = await self._entries.get(seq)
        if entry is None:
            raise ProofError("not_found", f"no entry with seq {seq}")
        leaves = await self._leaves_up_to(checkpoint.tree_size)
        path = inclusion_proof(leaves, seq - 1, checkpoint.tree_size)
        root = bytes.fromhex(checkpoint.root_hash)
        if not verify_inclusion(entry.leaf, seq - 1, checkpoint.tree_size, path, root):
            raise ProofError(
                "inconsistent", f"the stored log does not match checkpoint {checkpoint.tree_size}"
            )
        return InclusionProof(entry, checkpoint, path)

    async def consistency(self, old_size: int, new_size: int) -> ConsistencyProof:
        """Proof that checkpoint ``old_size`` is a prefix of checkpoint ``new_size``."""
        if old_size > new_size:
            raise ProofError("invalid", f"from ({old_size}) must not exceed to ({new_size})")
        old = await self._checkpoint(old_size)
        new = await self._checkpoint(new_size)
        leaves = await self._leaves_up_to(new_size)
        path = consistency_proof(leaves, old_size, new_size)
        old_root, new_root = bytes.fromhex(old.root_hash), bytes.fromhex(new.root_hash)
        if not verify_consistency(old_size, new_size, old_root, new_root, path):
            raise ProofError(
                "inconsistent", f"checkpoints {old_size} and {new_size} are not consistent"
            )
        return ConsistencyProof(old, new, path)
