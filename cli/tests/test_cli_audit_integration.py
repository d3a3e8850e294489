"""``closeloop audit export`` and ``verify --mongo-uri`` against a real audit database:
the export verifies offline with its checkpoints, and tampering in the database is reported
by the command with exit status 1."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient, MongoClient

from closeloop_audit.adapters.checkpoint_store import CheckpointStore, StoredCheckpoint
from closeloop_audit.adapters.entry_store import INDEXES, EntryStore
from closeloop_audit.adapters.signing import CheckpointSigner
from closeloop_audit.config import DEV_AUDIT_SIGNING_KEY
from closeloop_audit.domain.checkpoint import Checkpoint, checkpoint_message
from closeloop_audit.domain.records import RawRecord
from closeloop_audit.service.log_writer import LogWriter
from closeloop_cli.main import main
from closeloop_shared.crypto import Sealer
from closeloop_shared.mongo import Document, connect, ensure_indexes
from closeloop_shared.settings import DEV_PII_KEY

pytestmark = pytest.mark.integration
SIGNER = CheckpointSigner(DEV_AUDIT_SIGNING_KEY)


async def fill(mongo_uri: str, db_name: str, n: int) -> None:
    """Append n records and sign a checkpoint over the first n - 10 entries' tree."""
    client: AsyncMongoClient[Document] = connect(mongo_uri, app_name="cli-test")
    db = client[db_name]
    await ensure_indexes(db, INDEXES)
    writer = LogWriter(EntryStore(db), CheckpointStore(db), Sealer(DEV_PII_KEY))
    records = [
        RawRecord("sla.events.v1", 0, i, b"CMP-1", b'{"i":%d}' % i, {"ce_id": f"e-{i}"})
        for i in range(n)
    ]
    await writer.append(records[:-10])
    state = writer.snapshot()
    at = datetime.now(UTC)
    message = checkpoint_message(state.size, state.root_hash, at, SIGNER.key_id)
    checkpoint = Checkpoint(
        state.size, state.root_hash, at, SIGNER.key_id, SIGNER.public_key_b64, SIGNER.sign(message)
    )
    await CheckpointStore(db).add(StoredCheckpoint(checkpoint, state.peaks, state.head_hash))
    await writer.append(records)
    await client.close()


async def test_export_verifies_offline_and_database_tampering_fails_the_command(
    tmp_path: Path,
    mongo_uri: str,
    unique_name: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    db_name = unique_name("audit")
    await fill(mongo_uri, db_name, 120)
    out = tmp_path / "audit.jsonl"
    where = ["--mongo-uri", mongo_uri, "--db", db_name]
    assert main(["audit", "export", "--out", str(out), *where]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["entries"], summary["checkpoints"]) == (120, 1)
    assert len(out.read_bytes().splitlines()) == 120

    key = ["--public-key", SIGNER.public_key_b64]
    assert main(["audit", "verify", "--file", str(out), *key]) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["ok"] and verdict["checkpoints_checked"] == 1 and verdict["entries"] == 120

    sync: MongoClient[Document] = MongoClient(mongo_uri)
    sync[db_name].entries.update_one({"_id": 57}, {"$set": {"subject": "CMP-2"}})
    sync.close()
    assert main(["audit", "verify", *where, *key, "--no-progress"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert (verdict["first_bad"], verdict["problem"]) == (57, "modified")
    assert main(["audit", "verify", "--file", str(out), *key, "--no-progress"]) == 0
