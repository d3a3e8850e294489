"""What the audit integration tests build logs with: raw records, a writer over the real
database, and checkpoints signed with the development key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from closeloop_audit.adapters.checkpoint_store import CheckpointStore, StoredCheckpoint
from closeloop_audit.adapters.entry_store import EntryStore
from closeloop_audit.adapters.signing import CheckpointSigner
from closeloop_audit.config import DEV_AUDIT_SIGNING_KEY
from closeloop_audit.domain.checkpoint import Checkpoint
from closeloop_audit.domain.records import RawRecord
from closeloop_audit.service.log_writer import LogWriter
from closeloop_shared.crypto import Sealer
from closeloop_shared.mongo import Document
from closeloop_shared.settings import DEV_PII_KEY


def records(start: int, count: int, topic: str = "routing.events.v1") -> list[RawRecord]:
    return [
        RawRecord(
            topic,
            i % 3,
            i,
            f"CMP-{i % 7}".encode(),
            b'{"n":%d}' % i,
            {"ce_id": f"evt-{i}", "ce_type": "closeloop.test.thing.v1"},
        )
        for i in range(start, start + count)
    ]


def writer(db: AsyncDatabase[Document]) -> LogWriter:
    return LogWriter(EntryStore(db), CheckpointStore(db), Sealer(DEV_PII_KEY))


async def sign_checkpoint(db: AsyncDatabase[Document], log: LogWriter) -> Checkpoint:
    """Sign and store a checkpoint of what ``log`` has appended, as the checkpointer does."""
    signer = CheckpointSigner(DEV_AUDIT_SIGNING_KEY)
    state = log.snapshot()
    unsigned = Checkpoint(
        state.size, state.root_hash, datetime.now(UTC), signer.key_id,
        signer.public_key_b64, signature="",
    )  # fmt: skip
    checkpoint = replace(unsigned, signature=signer.sign(unsigned.message))
    await CheckpointStore(db).add(StoredCheckpoint(checkpoint, state.peaks, state.head_hash))
    return checkpoint
