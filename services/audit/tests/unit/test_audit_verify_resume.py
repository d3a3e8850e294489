"""A verification continued from a verified prefix gives the verdict a whole pass gives,
while reading only the entries after the prefix's checkpoint."""

from __future__ import annotations

from typing import Any

import pytest

from closeloop_audit.domain.chain import entry_hash_of
from closeloop_audit.domain.merkle import merkle_root
from closeloop_audit.domain.synthetic import generate_log
from closeloop_audit.domain.verify import (
    Problem,
    VerificationReport,
    VerifiedPrefix,
    verify_entries,
)

N = 40
Log = list[dict[str, Any]]


def _log() -> Log:
    return list(generate_log(N))


def _roots(log: Log) -> dict[int, str]:
    leaves = [bytes.fromhex(e["entry_hash"]) for e in log]
    return {size: merkle_root(leaves[:size]).hex() for size in range(len(leaves) + 1)}


def _after(log: Log, prefix: VerifiedPrefix) -> list[dict[str, Any]]:
    return [entry for entry in log if entry["seq"] > prefix.seq]


def _first_pass(log: Log, stored: int, sizes: tuple[int, ...]) -> VerifiedPrefix:
    """What a pass saw when ``stored`` entries and checkpoints of ``sizes`` existed."""
    roots = _roots(log)
    report = verify_entries(log[:stored], checkpoints=[(s, roots[s]) for s in sizes])
    assert report.ok and report.resume is not None
    return report.resume


def _problem(report: VerificationReport) -> tuple[Problem | None, int | None]:
    return report.problem, report.first_bad


def test_the_prefix_ends_at_the_last_matched_checkpoint_not_at_the_last_entry() -> None:
    prefix = _first_pass(_log(), 25, (10, 20))
    assert prefix.seq == 20
    assert _first_pass(_log(), 25, ()).seq == 0  # no checkpoint matched: start over


@pytest.mark.parametrize("stored", [1, 9, 10, 11, 20, 25, 39, N])
def test_two_passes_agree_with_one_whole_pass(stored: int) -> None:
    log = _log()
    roots = _roots(log)
    sizes = tuple(s for s in (10, 20, 30) if s <= stored)
    prefix = _first_pass(log, stored, sizes)
    checkpoints = [(s, roots[s]) for s in (10, 20, 30, N)]
    resumed = verify_entries(_after(log, prefix), checkpoints=checkpoints, start=prefix)
    whole = verify_entries(log, checkpoints=checkpoints)
    assert resumed.ok and whole.ok
    assert (resumed.entries, resumed.root) == (whole.entries, whole.root) == (N, roots[N])
    assert resumed.resume == whole.resume and whole.resume is not None
    assert whole.resume.seq == N


def test_a_changed_entry_after_the_prefix_is_found_at_its_seq() -> None:
    log = _log()
    prefix = _first_pass(log, 25, (10, 20))
    log[32]["payload_hash"] = "0" * 64  # seq 33
    resumed = verify_entries(_after(log, prefix), start=prefix)
    assert _problem(resumed) == _problem(verify_entries(log)) == (Problem.MODIFIED, 33)


def test_a_relinked_first_entry_after_the_prefix_is_found() -> None:
    log = _log()
    prefix = _first_pass(log, 25, (10, 20))
    log[20]["prev_hash"] = "a" * 64  # seq 21 no longer links to seq 20
    log[20]["entry_hash"] = entry_hash_of(log[20])
    resumed = verify_entries(_after(log, prefix), start=prefix)
    assert not resumed.ok and resumed.first_bad == 21
    assert _problem(resumed) == _problem(verify_entries(log))


def test_a_late_checkpoint_at_the_prefix_is_still_compared() -> None:
    log = _log()
    roots = _roots(log)
    prefix = _first_pass(log, 25, (10, 20))
    rest = _after(log, prefix)
    good = verify_entries(rest, checkpoints=[(20, roots[20])], start=prefix)
    assert good.ok
    forged = verify_entries(rest, checkpoints=[(20, "e" * 64)], start=prefix)
    assert _problem(forged) == (Problem.ROOT_MISMATCH, 21)
    assert forged.entries == 20


def test_a_wrong_checkpoint_after_the_prefix_is_a_root_mismatch() -> None:
    log = _log()
    roots = _roots(log)
    prefix = _first_pass(log, 25, (10, 20))
    report = verify_entries(
        _after(log, prefix), checkpoints=[(30, "e" * 64), (N, roots[N])], start=prefix
    )
    assert _problem(report) == (Problem.ROOT_MISMATCH, 21)
    assert (report.entries, report.root) == (20, roots[20])


def test_a_missing_tail_under_a_checkpoint_is_found_after_a_prefix() -> None:
    log = _log()
    roots = _roots(log)
    prefix = _first_pass(log, 25, (10, 20))
    report = verify_entries(_after(log, prefix)[:5], checkpoints=[(30, roots[30])], start=prefix)
    assert _problem(report) == (Problem.MISSING, 26)


@pytest.mark.parametrize("resumed", [False, True])
def test_a_negative_checkpoint_size_is_refused_with_or_without_a_prefix(resumed: bool) -> None:
    log = _log()
    prefix = _first_pass(log, 25, (10, 20)) if resumed else None
    with pytest.raises(ValueError, match=">= 0"):
        verify_entries(log[20:] if resumed else log, checkpoints=[(-1, "0" * 64)], start=prefix)
