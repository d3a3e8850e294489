"""Verification of a log with signed checkpoints, from entries or an exported file, as the
service and the CLI run it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from closeloop_audit.adapters.signing import CheckpointSigner
from closeloop_audit.config import DEV_AUDIT_SIGNING_KEY
from closeloop_audit.domain.chain import AuditEntry, entry_hash_of
from closeloop_audit.domain.checkpoint import Checkpoint, checkpoint_message
from closeloop_audit.domain.jsonl import export_jsonl_lines
from closeloop_audit.domain.merkle import merkle_root
from closeloop_audit.domain.synthetic import generate_log
from closeloop_audit.verification import (
    BAD_SIGNATURE,
    checkpoints_path_for,
    read_checkpoints_file,
    verify_log,
    verify_log_file,
    write_checkpoints_file,
)

N = 50
AT = datetime(2026, 1, 2, tzinfo=UTC)
SIGNER = CheckpointSigner(DEV_AUDIT_SIGNING_KEY)
OTHER = CheckpointSigner("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")
TRUSTED = [SIGNER.public_key_b64]


def log() -> list[dict[str, Any]]:
    return list(generate_log(N))


def checkpoint(
    entries: list[dict[str, Any]],
    size: int,
    signer: CheckpointSigner = SIGNER,
    root: str | None = None,
) -> Checkpoint:
    if root is None:
        root = merkle_root([bytes.fromhex(e["entry_hash"]) for e in entries[:size]]).hex()
    message = checkpoint_message(size, root, AT, signer.key_id)
    return Checkpoint(size, root, AT, signer.key_id, signer.public_key_b64, signer.sign(message))


def test_intact_log_with_signed_checkpoints_passes_with_a_pinned_key() -> None:
    entries = log()
    verdict = verify_log(
        entries, [checkpoint(entries, 20), checkpoint(entries, N)], trusted_keys=TRUSTED
    )
    assert verdict.ok and verdict.entries == N and verdict.first_bad is None
    assert verdict.checkpoints_checked == 2 and verdict.key_pinned


def test_modified_entry_is_reported_at_its_seq() -> None:
    entries = log()
    entries[16]["payload_hash"] = "0" * 64
    verdict = verify_log(entries, [checkpoint(log(), N)], trusted_keys=TRUSTED)
    assert (verdict.ok, verdict.first_bad, verdict.problem) == (False, 17, "modified")


def test_forged_signature_is_reported_even_when_the_chain_is_intact() -> None:
    entries = log()
    forged = checkpoint(entries, 20)
    forged = Checkpoint.from_dict({**forged.to_dict(), "signature": OTHER.sign(forged.message)})
    verdict = verify_log(entries, [forged], trusted_keys=TRUSTED)
    assert not verdict.ok and verdict.problem == BAD_SIGNATURE
    assert "20" in verdict.detail and verdict.checkpoints_checked == 0


def test_checkpoint_signed_by_an_untrusted_key_is_rejected() -> None:
    entries = log()
    verdict = verify_log(entries, [checkpoint(entries, 20, OTHER)], trusted_keys=TRUSTED)
    assert verdict.problem == BAD_SIGNATURE and "not trusted" in verdict.detail


def test_without_pinned_keys_a_checkpoint_is_checked_against_its_own_key() -> None:
    entries = log()
    verdict = verify_log(entries, [checkpoint(entries, 20, OTHER)])
    assert verdict.ok and not verdict.key_pinned
    lying = Checkpoint.from_dict(
        {**checkpoint(entries, 20, OTHER).to_dict(), "key_id": SIGNER.key_id}
    )
    assert verify_log(entries, [lying]).problem == BAD_SIGNATURE


def test_validly_signed_wrong_root_is_a_root_mismatch() -> None:
    entries = log()
    wrong = checkpoint(entries, 20, root="11" * 32)
    verdict = verify_log(entries, [wrong], trusted_keys=TRUSTED)
    assert (verdict.ok, verdict.problem) == (False, "root_mismatch")


def test_checkpoint_beyond_the_end_reports_the_tail_missing() -> None:
    entries = log()
    verdict = verify_log(entries[:30], [checkpoint(entries, N)], trusted_keys=TRUSTED)
    assert (verdict.ok, verdict.first_bad, verdict.problem) == (False, 31, "missing")


def test_two_signed_checkpoints_disagreeing_on_one_size_fail() -> None:
    entries = log()
    other_root = checkpoint(entries, 20, root="22" * 32)
    verdict = verify_log(entries, [checkpoint(entries, 20), other_root], trusted_keys=TRUSTED)
    assert not verdict.ok


def write_export(tmp_path: Path, entries: list[dict[str, Any]]) -> Path:
    path = tmp_path / "audit.jsonl"
    path.write_bytes(b"".join(export_jsonl_lines(AuditEntry.from_dict(e) for e in entries)))
    return path


def test_export_file_and_its_checkpoints_verify_offline(tmp_path: Path) -> None:
    entries = log()
    path = write_export(tmp_path, entries)
    cp_path = checkpoints_path_for(path)
    assert cp_path.name == "audit.checkpoints.jsonl"
    write_checkpoints_file(cp_path, [checkpoint(entries, N), checkpoint(entries, 10)])
    checkpoints = read_checkpoints_file(cp_path)
    assert [cp.tree_size for cp in checkpoints] == [10, N]
    verdict = verify_log_file(path, checkpoints, trusted_keys=TRUSTED)
    assert verdict.ok and verdict.entries == N and verdict.checkpoints_checked == 2


@pytest.mark.parametrize(
    ("tamper", "first_bad", "problem"),
    [
        (lambda es: es.pop(9), 10, "missing"),
        (lambda es: es.__setitem__(slice(4, 6), [es[5], es[4]]), 5, "reordered"),
        (lambda es: es[30].__setitem__("prev_hash", "f" * 64), 31, "modified"),
    ],
)
def test_tampered_export_is_reported_at_the_right_seq(
    tmp_path: Path, tamper: Any, first_bad: int, problem: str
) -> None:
    entries = log()
    tamper(entries)
    verdict = verify_log_file(write_export(tmp_path, entries), [], trusted_keys=TRUSTED)
    assert (verdict.ok, verdict.first_bad, verdict.problem) == (False, first_bad, problem)


def test_resealed_entry_still_fails_against_its_signed_checkpoint(tmp_path: Path) -> None:
    entries = log()
    cps = [checkpoint(entries, N)]
    entries[-1]["event_type"] = "rewritten"
    entries[-1]["entry_hash"] = entry_hash_of(entries[-1])  # the last entry has no successor
    verdict = verify_log_file(write_export(tmp_path, entries), cps, trusted_keys=TRUSTED)
    assert (verdict.ok, verdict.problem) == (False, "root_mismatch")
