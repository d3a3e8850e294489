"""Appending batches of Kafka records to the audit log, each event exactly once.

The writer keeps the chain head and the Merkle accumulator in memory and extends a copy of
them for each batch; the copy replaces the state only after the batch's ordered insert
succeeded. Any failure throws the state away and the next attempt reloads it from the
database (latest checkpoint's peaks plus the entries after it), so a partial insert (a
crash, a lost connection, another writer taking a seq) is picked up as the new head: the
events it holds are then found by ``event_id`` and skipped, the rest appended.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from closeloop_audit.adapters.checkpoint_store import CheckpointStore
from closeloop_audit.adapters.entry_store import ChainConflict, EntryStore, SealedEntry
from closeloop_audit.domain.chain import GENESIS_HASH, AuditEntry, ChainBuilder, LoggedEvent
from closeloop_audit.domain.merkle import MerkleAccumulator
from closeloop_audit.domain.records import RawRecord, describe_record, record_actor
from closeloop_audit.metrics import AUDIT_CHAIN_LENGTH, AUDIT_ENTRIES
from closeloop_shared.crypto import Sealer

log = logging.getLogger(__name__)

SEAL_CONTEXT = "audit"
MAX_CONFLICTS = 20  # consecutive lost races before the batch is failed (and retried later)


class LogDamaged(RuntimeError):
    """The stored log has a gap, so the writer cannot rebuild its state to append."""


@dataclass(frozen=True, slots=True)
class TreeState:
    """A consistent snapshot of the appended log: size, Merkle peaks, root and head."""

    size: int
    peaks: tuple[bytes, ...]
    root_hash: str
    head_hash: str


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


class LogWriter:
    """The single sequence of the audit log, extended batch by batch."""

    def __init__(self, entries: EntryStore, checkpoints: CheckpointStore, sealer: Sealer) -> None:
        self._entries = entries
        self._checkpoints = checkpoints
        self._sealer = sealer
        self._head: AuditEntry | None = None
        self._builder: ChainBuilder | None = None
        self._lock = asyncio.Lock()

    def snapshot(self) -> TreeState:
        """The state after the last successful append (empty before the first load)."""
        if self._builder is None:
            return TreeState(0, (), MerkleAccumulator().root().hex(), GENESIS_HASH)
        tree = self._builder.tree
        return TreeState(tree.size, tree.peaks, tree.root().hex(), self._builder.head_hash)

    async def load(self) -> None:
        """Rebuild head and tree state from the database."""
        head = await self._entries.head()
        if head is None:
            self._head, self._builder = None, ChainBuilder()
            return
        tree = await self._tree_from_checkpoint(head.seq)
        tail = await self._entries.entry_hashes(tree.size, head.seq)
        if [seq for seq, _ in tail] != list(range(tree.size + 1, head.seq + 1)):
            raise LogDamaged(
                f"entries {tree.size + 1}..{head.seq} are not all present; "
                "run GET /v1/audit/verify to locate the damage"
            )
        tree.extend([bytes.fromhex(entry_hash) for _, entry_hash in tail])
        self._head, self._builder = head, ChainBuilder(head, tree)
        AUDIT_CHAIN_LENGTH.set(head.seq)
        log.info("audit log loaded", extra={"head_seq": head.seq, "replayed": len(tail)})

    async def _tree_from_checkpoint(self, head_seq: int) -> MerkleAccumulator:
        latest = await self._checkpoints.latest()
        if latest is None or latest.checkpoint.tree_size > head_seq:
            return MerkleAccumulator()
        try:
            tree = MerkleAccumulator(latest.checkpoint.tree_size, latest.peaks)
        except ValueError:
            return MerkleAccumulator()
        if tree.root().hex() != latest.checkpoint.root_hash:
            return MerkleAccumulator()  # peaks do not match the signed root: start over
        return tree

    async def append(self, records: Sequence[RawRecord]) -> list[AuditEntry]:
        """Append the records not logged yet, in order; return the new entries."""
        recorded_at = datetime.now(UTC).isoformat(timespec="microseconds")
        batch: dict[str, tuple[LoggedEvent, RawRecord]] = {}
        for record in records:
            event = describe_record(record, recorded_at=recorded_at)
            batch.setdefault(event.event_id, (event, record))  # first copy wins
        async with self._lock:
            for _ in range(MAX_CONFLICTS):
                try:
                    return await self._append_new(list(batch.values()))
                except ChainConflict as exc:
                    log.info("lost an append race; reloading the head", extra={"error": str(exc)})
                    self._builder = None
            raise ChainConflict(f"gave up after {MAX_CONFLICTS} conflicting appends")

    async def _append_new(self, batch: list[tuple[LoggedEvent, RawRecord]]) -> list[AuditEntry]:
        if self._builder is None:
            await self.load()
        assert self._builder is not None
        logged = await self._entries.logged_ids(event.event_id for event, _ in batch)
        fresh = [(event, record) for event, record in batch if event.event_id not in logged]
        if not fresh:
            return []
        tree = self._builder.tree
        builder = ChainBuilder(self._head, MerkleAccumulator(tree.size, tree.peaks))
        new = builder.extend(event for event, _ in fresh)
        items = [
            SealedEntry(entry, self._seal(record), record_actor(record))
            for entry, (_, record) in zip(new, fresh, strict=True)
        ]
        try:
            await self._entries.append(items)
        except BaseException:
            self._builder = None  # part of the batch may be stored: reload before retrying
            raise
        self._head, self._builder = new[-1], builder
        AUDIT_ENTRIES.inc(len(new))
        AUDIT_CHAIN_LENGTH.set(new[-1].seq)
        return new

    def _seal(self, record: RawRecord) -> str:
        evidence = {
            "key": _b64(record.key),
            "value": _b64(record.value),
            "headers": dict(record.headers),
        }
        return self._sealer.seal(evidence, context=SEAL_CONTEXT)
