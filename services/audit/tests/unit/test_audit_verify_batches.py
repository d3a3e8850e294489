"""Verification past its 1,024-leaf hashing batch, and the empty-tree checkpoint (issue 20:
paths mutation testing found unchecked)."""

from __future__ import annotations

from typing import Any

from closeloop_audit.domain.merkle import EMPTY_ROOT, merkle_root
from closeloop_audit.domain.synthetic import generate_log
from closeloop_audit.domain.verify import Problem, verify_entries

SIZE = 2_600  # two full batches and a partial third


def _log() -> list[dict[str, Any]]:
    return list(generate_log(SIZE))


def _root(log: list[dict[str, Any]], size: int) -> str:
    return merkle_root([bytes.fromhex(e["entry_hash"]) for e in log[:size]]).hex()


def test_a_log_of_several_batches_has_the_root_of_all_its_entries() -> None:
    log = _log()
    report = verify_entries(log)
    assert report.ok and report.entries == SIZE
    assert report.root == _root(log, SIZE)


def test_checkpoints_on_and_between_batch_boundaries_match() -> None:
    log = _log()
    sizes = (1_024, 1_500, 2_048, SIZE)
    report = verify_entries(log, checkpoints=[(size, _root(log, size)) for size in sizes])
    assert report.ok and report.entries == SIZE


def test_a_wrong_checkpoint_after_a_full_batch_names_the_last_matched_size() -> None:
    log = _log()
    checkpoints = [(1_024, _root(log, 1_024)), (2_100, _root(log, 2_099))]
    report = verify_entries(log, checkpoints=checkpoints)
    assert not report.ok
    assert report.problem is Problem.ROOT_MISMATCH
    assert report.first_bad == 1_025
    assert report.entries == 1_024
    assert report.root == _root(log, 1_024)


def test_a_break_past_the_first_batch_keeps_the_intact_prefix_root() -> None:
    log = _log()
    log[1_499]["payload_hash"] = "0" * 64  # seq 1500 no longer hashes to its entry_hash
    report = verify_entries(log)
    assert not report.ok
    assert report.first_bad == 1_500
    assert report.entries == 1_499


def test_a_size_zero_checkpoint_with_a_wrong_root_is_refused() -> None:
    report = verify_entries(_log(), checkpoints=[(0, "ab" * 32)])
    assert not report.ok
    assert report.problem is Problem.ROOT_MISMATCH
    assert report.first_bad == 1
    assert report.entries == 0
    assert report.root == EMPTY_ROOT.hex()


def test_a_size_zero_checkpoint_with_the_empty_root_passes() -> None:
    report = verify_entries(_log()[:5], checkpoints=[(0, EMPTY_ROOT.hex().upper())])
    assert report.ok and report.entries == 5
