"""Classifying the first break in an audit chain: what kind of tampering, at which seq.

The verifier calls ``diagnose`` once, at the first entry that does not continue the chain
from the last good entry L (seq ``last_seq``, hash ``last_hash``). It may read further
entries from the stream (one for most cases, more to find a displaced entry), so it costs
nothing while the chain is intact and constant memory when it is not.

Entries are expected in ascending seq order as stored. A swap is seen either as two entries
whose content (everything but seq) was exchanged, which is also what swapping only their seq
numbers looks like once the log is read back sorted by seq, or, for a file read in storage
order, as seq numbers out of order.

Signatures, checked in this order (c = the entry at the break, n = the one after it):

- c has a seq at or below L's: ``inserted`` (a duplicate or stale copy);
- c skips seqs: ``reordered`` if the expected seq turns up later, else ``missing``
  (``inserted`` when n is the expected entry and links to L);
- n repeats c's seq, or n links to L: ``inserted`` (``reordered`` if c links to n: a swap);
- c links to the entry before L and hashes (under its seq or the one before):
  ``inserted`` at L (L was slipped in, later seqs shifted);
- c links to L but does not hash to its entry_hash: ``modified`` at c;
- c hashes correctly but does not link to L: ``modified`` at L if n links to c (L was
  re-hashed), else at c;
- c neither hashes nor links: ``reordered`` if its content belongs to a later seq and the
  entry linking to L is further on, ``missing`` if its content belongs to a later seq and
  nothing links to L (a deletion with the tail renumbered), else ``modified`` at c.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain
from typing import Any

from closeloop_audit.domain.chain import entry_hash_of

__all__ = ["Finding", "Problem", "diagnose"]

# How far a shifted seq is searched when an entry only hashes under a different seq.
_RENUMBER_WINDOW = 16


class Problem(StrEnum):
    """The kinds of failure a verification can report."""

    MODIFIED = "modified"
    MISSING = "missing"
    INSERTED = "inserted"
    REORDERED = "reordered"
    ROOT_MISMATCH = "root_mismatch"


@dataclass(frozen=True, slots=True)
class Finding:
    """The diagnosis: which problem, the seq to look at, and an explanation."""

    problem: Problem
    first_bad: int
    detail: str


@dataclass(frozen=True, slots=True)
class _View:
    seq: int | None
    prev: object
    stored: object
    sealed: bool  # the stored fields hash to the stored entry_hash


def _view(record: Mapping[str, Any]) -> _View:
    seq = record.get("seq")
    stored = record.get("entry_hash")
    try:
        sealed = entry_hash_of(record) == stored
    except (KeyError, TypeError, ValueError):
        sealed = False
    return _View(
        seq=seq if type(seq) is int else None,
        prev=record.get("prev_hash"),
        stored=stored,
        sealed=sealed,
    )


def _resealed_seq(record: Mapping[str, Any], seq: int) -> int | None:
    """The seq (just above ``seq``) under which the record's content hashes correctly."""
    for candidate in range(seq + 1, seq + 1 + _RENUMBER_WINDOW):
        try:
            if entry_hash_of({**record, "seq": candidate}) == record.get("entry_hash"):
                return candidate
        except (KeyError, TypeError, ValueError):
            return None
    return None


def _fits_after_insert(record: Mapping[str, Any], c: _View) -> bool:
    """An entry that links past L is L's slipped-in victim only if its own hash still holds,
    under its seq or the one it had before the seqs were shifted; a prev_hash rewritten to an
    older hash (and not re-hashed) is a modification of this entry."""
    if c.sealed or c.seq is None:
        return c.sealed
    try:
        return entry_hash_of({**record, "seq": c.seq - 1}) == record.get("entry_hash")
    except (KeyError, TypeError, ValueError):
        return False


def _find_seq(records: Iterator[Mapping[str, Any]], seq: int) -> bool:
    return any(record.get("seq") == seq for record in records)


def _find_link(records: Iterator[Mapping[str, Any]], target: str) -> int | None:
    """Seq of the first record whose prev_hash is ``target`` (its claimed successor)."""
    for record in records:
        if record.get("prev_hash") == target:
            seq = record.get("seq")
            return seq if type(seq) is int else -1
    return None


def diagnose(
    last_seq: int,
    last_hash: str,
    current: Mapping[str, Any],
    rest: Iterator[Mapping[str, Any]],
    *,
    before_last: str | None = None,
) -> Finding:
    """Classify the break at ``current``, the entry read right after the good entry L.

    ``before_last`` is the hash of the entry before L, if any: an entry linking to it
    reveals that L itself was slipped into the chain.
    """
    c = _view(current)
    expected = last_seq + 1
    if c.seq is None:
        return Finding(Problem.MODIFIED, expected, f"the entry after seq {last_seq} has no seq")
    if c.seq < expected:
        return Finding(Problem.INSERTED, c.seq, f"seq {c.seq} appears again after seq {last_seq}")
    following = next(rest, None)
    n = None if following is None else _view(following)
    if c.seq > expected:
        return _diagnose_gap(c, n, following, rest, expected, last_hash)

    if n is not None and n.seq == c.seq:
        return Finding(Problem.INSERTED, c.seq, f"two entries carry seq {c.seq}")
    if n is not None and n.prev == last_hash:
        if c.prev == n.stored:
            return Finding(
                Problem.REORDERED, c.seq, f"entries {c.seq} and {c.seq + 1} exchanged places"
            )
        return Finding(
            Problem.INSERTED,
            c.seq,
            f"entry {c.seq} is not in the chain: the next entry links to seq {last_seq}",
        )
    if before_last is not None and c.prev == before_last and _fits_after_insert(current, c):
        return Finding(
            Problem.INSERTED,
            last_seq,
            f"seq {last_seq} is not in the chain: seq {c.seq} links to seq {last_seq - 1}",
        )
    link_ok = c.prev == last_hash
    if link_ok and not c.sealed:
        return Finding(
            Problem.MODIFIED, c.seq, f"the stored fields of seq {c.seq} do not match its hash"
        )
    if c.sealed:  # sealed but not linked: an entry was rewritten and re-hashed
        if n is not None and n.prev == c.stored and last_seq >= 1:
            return Finding(
                Problem.MODIFIED,
                last_seq,
                f"seq {last_seq} was rewritten and re-hashed: seq {c.seq} links to another hash",
            )
        return Finding(
            Problem.MODIFIED, c.seq, f"the link of seq {c.seq} was rewritten and re-hashed"
        )
    return _diagnose_unsealed(c, n, current, rest, last_seq, last_hash)


def _diagnose_gap(
    c: _View,
    n: _View | None,
    following: Mapping[str, Any] | None,
    rest: Iterator[Mapping[str, Any]],
    expected: int,
    last_hash: str,
) -> Finding:
    assert c.seq is not None
    if n is not None and n.seq == expected and n.prev == last_hash:
        if c.prev == n.stored:
            return Finding(
                Problem.REORDERED, expected, f"seq {c.seq} is stored before seq {expected}"
            )
        return Finding(
            Problem.INSERTED,
            c.seq,
            f"entry {c.seq} sits between seq {expected - 1} and its successor",
        )
    later = rest if following is None else chain((following,), rest)
    if _find_seq(later, expected):
        return Finding(Problem.REORDERED, expected, f"seq {expected} is stored after seq {c.seq}")
    count = c.seq - expected
    return Finding(
        Problem.MISSING,
        expected,
        f"{count} entr{'y' if count == 1 else 'ies'} missing: seq {expected}..{c.seq - 1}",
    )


def _diagnose_unsealed(
    c: _View,
    n: _View | None,
    current: Mapping[str, Any],
    rest: Iterator[Mapping[str, Any]],
    last_seq: int,
    last_hash: str,
) -> Finding:
    """Neither sealed nor linked: a moved entry, a renumbered tail, or an altered link."""
    assert c.seq is not None
    moved_from = _resealed_seq(current, c.seq)
    if moved_from is not None:
        if _find_link(rest, last_hash) is not None:
            return Finding(
                Problem.REORDERED,
                c.seq,
                f"seq {c.seq} holds the content of seq {moved_from}",
            )
        count = moved_from - c.seq
        return Finding(
            Problem.MISSING,
            c.seq,
            f"{count} entr{'y' if count == 1 else 'ies'} missing after seq {last_seq};"
            " later entries were renumbered",
        )
    if n is not None and n.prev == c.stored:
        return Finding(Problem.MODIFIED, c.seq, f"the prev_hash of seq {c.seq} was altered")
    displaced = _find_link(rest, last_hash)
    if displaced is not None:
        return Finding(
            Problem.REORDERED,
            c.seq,
            f"the content of seq {c.seq} is stored under seq {displaced}",
        )
    return Finding(Problem.MODIFIED, c.seq, f"seq {c.seq} was altered (fields and link)")
