"""Chain verification: a clean log passes, and each kind of tampering is reported as the
right problem at the right seq, whichever way the log is fed in."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from closeloop_audit.domain.canonical import canonical_json
from closeloop_audit.domain.chain import AuditEntry, entry_hash_of
from closeloop_audit.domain.jsonl import verify_jsonl
from closeloop_audit.domain.merkle import EMPTY_ROOT, merkle_root
from closeloop_audit.domain.synthetic import generate_log
from closeloop_audit.domain.verify import Problem, VerificationReport, verify_entries

N = 40
Log = list[dict[str, Any]]
Verify = Callable[..., VerificationReport]


def clean_log() -> Log:
    return list(generate_log(N))


def at(log: Log, seq: int) -> dict[str, Any]:
    return next(entry for entry in log if entry["seq"] == seq)


def reseal(entry: dict[str, Any]) -> None:
    entry["entry_hash"] = entry_hash_of(entry)


def swap_content(log: Log, a: int, b: int) -> None:
    """Exchange everything but seq between two entries (also what a seq swap looks like
    once the log is read back sorted by seq)."""
    first, second = at(log, a), at(log, b)
    for key in first:
        if key != "seq":
            first[key], second[key] = second[key], first[key]


@pytest.fixture(params=["dicts", "entries", "jsonl", "jsonl-orjson"])
def verify(request: pytest.FixtureRequest, tmp_path: Path) -> Verify:
    mode = request.param

    def run(log: Log, **options: Any) -> VerificationReport:
        if mode == "dicts":
            return verify_entries(iter(log), **options)
        if mode == "entries":
            return verify_entries((AuditEntry.from_dict(e) for e in log), **options)
        path = tmp_path / "log.jsonl"
        path.write_bytes(b"".join(canonical_json(e) + b"\n" for e in log))
        loads = orjson.loads if mode == "jsonl-orjson" else None
        return verify_jsonl(str(path), loads=loads, **options)

    return run


def assert_problem(report: VerificationReport, problem: Problem, first_bad: int) -> None:
    assert (report.ok, report.problem, report.first_bad) == (False, problem, first_bad), report


def test_clean_log_verifies_with_its_merkle_root(verify: Verify) -> None:
    log = clean_log()
    report = verify(log)
    assert report.ok and report.entries == N and report.first_bad is None
    assert report.root == merkle_root([bytes.fromhex(e["entry_hash"]) for e in log]).hex()


def test_empty_log_verifies_with_the_empty_root(verify: Verify) -> None:
    report = verify([])
    assert report.ok and report.entries == 0 and report.root == EMPTY_ROOT.hex()


# (a) a field changed in place
def test_changed_payload_hash_is_modified_at_that_seq(verify: Verify) -> None:
    log = clean_log()
    at(log, 17)["payload_hash"] = "f" * 64
    report = verify(log)
    assert_problem(report, Problem.MODIFIED, 17)
    assert report.entries == 16


def test_changed_first_entry_is_modified_at_seq_one(verify: Verify) -> None:
    log = clean_log()
    at(log, 1)["event_type"] = "complaint.deleted"
    assert_problem(verify(log), Problem.MODIFIED, 1)


def test_changed_entry_hash_is_modified_at_that_seq(verify: Verify) -> None:
    log = clean_log()
    at(log, 17)["entry_hash"] = "a" * 64
    assert_problem(verify(log), Problem.MODIFIED, 17)


def test_changed_and_resealed_entry_is_blamed_not_its_successor(verify: Verify) -> None:
    log = clean_log()
    at(log, 17)["subject"] = "CMP-99999999"
    reseal(at(log, 17))
    report = verify(log)
    assert_problem(report, Problem.MODIFIED, 17)
    assert report.entries == 16 and report.root is None


# (b) a link changed
def test_changed_prev_hash_is_modified_at_that_seq(verify: Verify) -> None:
    log = clean_log()
    at(log, 17)["prev_hash"] = "b" * 64
    assert_problem(verify(log), Problem.MODIFIED, 17)


def test_changed_and_resealed_link_is_modified_at_that_seq(verify: Verify) -> None:
    log = clean_log()
    at(log, 17)["prev_hash"] = "b" * 64
    reseal(at(log, 17))
    assert_problem(verify(log), Problem.MODIFIED, 17)


# (c) entries deleted
@pytest.mark.parametrize("deleted", [[17], [1], [17, 18, 19], [39]])
def test_deleted_entries_are_missing_from_the_first_gone(
    verify: Verify, deleted: list[int]
) -> None:
    log = [e for e in clean_log() if e["seq"] not in deleted]
    report = verify(log)
    assert_problem(report, Problem.MISSING, deleted[0])
    assert report.entries == deleted[0] - 1


def test_deleted_entry_with_later_seqs_renumbered_is_missing(verify: Verify) -> None:
    log = [e for e in clean_log() if e["seq"] != 17]
    for entry in log:
        if entry["seq"] > 17:
            entry["seq"] -= 1
    assert_problem(verify(log), Problem.MISSING, 17)


def test_deleted_tail_is_missing_when_a_checkpoint_covers_it(verify: Verify) -> None:
    log = clean_log()
    root = merkle_root([bytes.fromhex(e["entry_hash"]) for e in log]).hex()
    report = verify(log[:-3], checkpoints=[(N, root)])
    assert_problem(report, Problem.MISSING, N - 2)


# (d) entries swapped
@pytest.mark.parametrize(("a", "b"), [(17, 18), (17, 30), (1, 2), (1, 40), (39, 40)])
def test_swapped_entry_contents_are_reordered_at_the_lower_seq(
    verify: Verify, a: int, b: int
) -> None:
    log = clean_log()
    swap_content(log, a, b)
    assert_problem(verify(log), Problem.REORDERED, a)


@pytest.mark.parametrize(("a", "b"), [(17, 18), (17, 30)])
def test_swapped_seq_numbers_read_back_sorted_are_reordered(verify: Verify, a: int, b: int) -> None:
    log = clean_log()
    first, second = at(log, a), at(log, b)
    first["seq"], second["seq"] = b, a
    log.sort(key=lambda e: e["seq"])
    assert_problem(verify(log), Problem.REORDERED, a)


@pytest.mark.parametrize(("a", "b"), [(17, 18), (17, 30), (1, 2)])
def test_entries_stored_out_of_order_are_reordered(verify: Verify, a: int, b: int) -> None:
    log = clean_log()
    log[a - 1], log[b - 1] = log[b - 1], log[a - 1]
    assert_problem(verify(log), Problem.REORDERED, a)


# insertions
def _forged_after(log: Log, seq: int) -> dict[str, Any]:
    forged = dict(at(log, seq))
    forged["payload_hash"] = "c" * 64
    forged["prev_hash"] = at(log, seq - 1)["entry_hash"]
    reseal(forged)
    return forged


@pytest.mark.parametrize("forged_first", [True, False])
def test_forged_entry_duplicating_a_seq_is_inserted(verify: Verify, forged_first: bool) -> None:
    log = clean_log()
    forged = _forged_after(log, 17)
    log.insert(16 if forged_first else 17, forged)
    assert_problem(verify(log), Problem.INSERTED, 17)


def test_unsealed_duplicate_before_the_real_entry_is_inserted(verify: Verify) -> None:
    log = clean_log()
    copy = {**at(log, 17), "payload_hash": "d" * 64}
    log.insert(16, copy)
    assert_problem(verify(log), Problem.INSERTED, 17)


def test_entry_inserted_with_later_seqs_shifted_is_inserted(verify: Verify) -> None:
    log = clean_log()
    for entry in log:
        if entry["seq"] >= 17:
            entry["seq"] += 1
    log.insert(16, _forged_after(clean_log(), 17))
    assert_problem(verify(log), Problem.INSERTED, 17)


def test_stale_copy_of_an_old_entry_is_inserted(verify: Verify) -> None:
    log = clean_log()
    log.insert(30, dict(at(log, 5)))
    assert_problem(verify(log), Problem.INSERTED, 5)


# checkpoints
def _roots(log: Log) -> dict[int, str]:
    leaves = [bytes.fromhex(e["entry_hash"]) for e in log]
    return {size: merkle_root(leaves[:size]).hex() for size in range(len(leaves) + 1)}


def test_matching_checkpoints_verify(verify: Verify) -> None:
    log = clean_log()
    roots = _roots(log)
    checkpoints = [(size, roots[size]) for size in (0, 10, 20, N)]
    assert verify(log, checkpoints=checkpoints).ok


def test_checkpoint_root_mismatch_points_after_the_last_good_checkpoint(verify: Verify) -> None:
    log = clean_log()
    roots = _roots(log)
    report = verify(log, checkpoints=[(10, roots[10]), (20, "e" * 64), (N, roots[N])])
    assert_problem(report, Problem.ROOT_MISMATCH, 11)
    assert report.entries == 10 and report.root == roots[10]


def test_consistently_rewritten_chain_is_caught_by_a_checkpoint(verify: Verify) -> None:
    log = clean_log()
    roots = _roots(log)
    for seq in range(25, N + 1):  # rewrite history from 25 on, re-sealing every entry
        entry = at(log, seq)
        entry["payload_hash"] = "0" * 64
        entry["prev_hash"] = at(log, seq - 1)["entry_hash"]
        reseal(entry)
    assert verify(log).ok  # the chain alone cannot tell
    report = verify(log, checkpoints=[(20, roots[20]), (30, roots[30])])
    assert_problem(report, Problem.ROOT_MISMATCH, 21)


def test_progress_is_reported_every_n_entries(verify: Verify) -> None:
    seen: list[int] = []
    verify(clean_log(), on_progress=seen.append, progress_every=10)
    assert seen == [10, 20, 30, 40]


def test_jsonl_lines_outside_the_canonical_layout_take_the_general_path(tmp_path: Path) -> None:
    log = clean_log()
    at(log, 3)["subject"] = "投诉-客户"
    at(log, 4)["event_type"] = 'quote " and \\ backslash'
    for seq in range(3, N + 1):
        entry = at(log, seq)
        entry["prev_hash"] = at(log, seq - 1)["entry_hash"]
        reseal(entry)
    lines = [json.dumps(e, indent=None, sort_keys=False) for e in log]  # spaces, key order
    lines.insert(5, "   ")
    path = tmp_path / "log.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify_jsonl(str(path)).ok
    lines[10] = "{not json"  # seq 10 (line 5 is the blank one)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_problem(verify_jsonl(str(path)), Problem.MODIFIED, 10)
