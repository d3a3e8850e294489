"""``closeloop audit verify --file``: offline verification of an export, exit codes, the
JSON verdict on stdout and the progress bar on stderr."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from closeloop_audit.adapters.signing import CheckpointSigner
from closeloop_audit.config import DEV_AUDIT_SIGNING_KEY
from closeloop_audit.domain.chain import AuditEntry
from closeloop_audit.domain.checkpoint import Checkpoint, checkpoint_message
from closeloop_audit.domain.jsonl import export_jsonl_lines
from closeloop_audit.domain.merkle import merkle_root
from closeloop_audit.domain.synthetic import generate_log
from closeloop_audit.verification import checkpoints_path_for, write_checkpoints_file
from closeloop_cli.main import main

N = 3000
SIGNER = CheckpointSigner(DEV_AUDIT_SIGNING_KEY)


def export(tmp_path: Path, entries: list[dict[str, Any]], *, sign_up_to: int = N) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b"".join(export_jsonl_lines(AuditEntry.from_dict(e) for e in entries)))
    root = merkle_root([bytes.fromhex(e["entry_hash"]) for e in entries[:sign_up_to]]).hex()
    at = datetime(2026, 1, 1, tzinfo=UTC)
    signature = SIGNER.sign(checkpoint_message(sign_up_to, root, at, SIGNER.key_id))
    cp = Checkpoint(sign_up_to, root, at, SIGNER.key_id, SIGNER.public_key_b64, signature)
    write_checkpoints_file(checkpoints_path_for(path), [cp])
    return path


def test_intact_export_verifies_with_exit_zero_and_a_progress_bar(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export(tmp_path, list(generate_log(N)))
    code = main(["audit", "verify", "--file", str(path), "--public-key", SIGNER.public_key_b64])
    out, err = capsys.readouterr()
    verdict = json.loads(out)
    assert code == 0
    assert verdict["ok"] is True and verdict["entries"] == N
    assert verdict["checkpoints_checked"] == 1 and verdict["key_pinned"] is True
    assert "verifying [" in err and f"{N:,}/{N:,}" in err


def test_deleted_entry_in_an_export_exits_one_naming_the_seq(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = list(generate_log(N))
    del entries[1233]
    path = export(tmp_path, entries, sign_up_to=1000)
    code = main(["audit", "verify", "--file", str(path), "--no-progress"])
    out, err = capsys.readouterr()
    verdict = json.loads(out)
    assert code == 1
    assert (verdict["first_bad"], verdict["problem"]) == (1234, "missing")
    assert "pin the service's key" in err and "verifying [" not in err


def test_missing_export_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["audit", "verify", "--file", str(tmp_path / "none.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
