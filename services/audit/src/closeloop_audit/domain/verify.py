"""Streaming verification of an audit log: hashes, links, sequence and Merkle checkpoints.

Memory is constant apart from the O(log n) Merkle peaks; the log is read once (and, after
a break, only as far as needed to classify it; see ``diagnosis``).

The loop is shared by every input format through an *inspector*: a function that returns
``(seq, prev_hash, entry_hash, leaf)`` for an item whose stored fields hash to its stored
``entry_hash``, or None. ``prev_hash`` and ``entry_hash`` only need to be comparable with
each other (str for dicts, ASCII bytes for raw JSON lines), which keeps the hot path free of
conversions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any, TypeVar

from closeloop_audit.domain.chain import FIRST_SEQ, GENESIS_HASH, AuditEntry, entry_signing_bytes
from closeloop_audit.domain.diagnosis import Finding, Problem, diagnose
from closeloop_audit.domain.merkle import MerkleAccumulator

__all__ = [
    "Checkpoint",
    "Problem",
    "VerificationReport",
    "VerifiedPrefix",
    "inspect_record",
    "run_verification",
    "verify_entries",
]

Item = TypeVar("Item")
Checkpoint = tuple[int, str]
Inspection = tuple[int, Any, Any, bytes]
_BATCH = 1024  # leaves hashed into the Merkle state at a time


@dataclass(frozen=True, slots=True)
class VerifiedPrefix:
    """Where a verification may continue from: entries 1..``seq`` verified, and ``seq`` the
    size of a checkpoint their Merkle root matched. Ending at a checkpoint, not at the last
    entry, means the entries after it are read again by the next pass, so a checkpoint
    stored late (after that pass read the checkpoints) is still compared with its entries.
    """

    seq: int
    last_hash: str
    before_last: str | None
    peaks: tuple[bytes, ...]

    @classmethod
    def empty(cls) -> VerifiedPrefix:
        """Nothing verified yet: the chain starts at the genesis hash."""
        return cls(FIRST_SEQ - 1, GENESIS_HASH, None, ())


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """Outcome of a verification.

    ``entries`` is the length of the trusted prefix (every entry when ``ok``; up to the last
    matching checkpoint after a ``root_mismatch``), ``root`` the hex Merkle root over that
    prefix (None when the break is blamed on an entry already accepted, e.g. one rewritten
    and re-hashed), and ``first_bad`` the seq to investigate.
    """

    ok: bool
    entries: int
    first_bad: int | None
    problem: Problem | None
    detail: str
    root: str | None
    resume: VerifiedPrefix | None = field(default=None, compare=False)


def inspect_record(record: Mapping[str, Any]) -> Inspection | None:
    """Inspector for dict records: recompute the entry hash from the fields."""
    try:
        digest = sha256(b"\x00" + entry_signing_bytes(record)).digest()
        stored = record["entry_hash"]
        if digest.hex() != stored:
            return None
        return record["seq"], record["prev_hash"], stored, digest
    except (KeyError, TypeError, ValueError):
        return None


def _as_mapping(entry: AuditEntry | Mapping[str, Any]) -> Mapping[str, Any]:
    return entry.to_dict() if isinstance(entry, AuditEntry) else entry


def verify_entries(
    entries: Iterable[AuditEntry | Mapping[str, Any]],
    *,
    checkpoints: Iterable[Checkpoint] = (),
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 100_000,
    start: VerifiedPrefix | None = None,
) -> VerificationReport:
    """Verify a log read in ascending seq order (entries or their dicts), from seq 1, or
    from the entry after ``start`` (a previous report's ``resume``) when given.

    Each entry must hash to its ``entry_hash``, link to its predecessor's hash and carry
    the next seq. ``checkpoints`` are (tree_size, hex root) pairs, checked as the tree
    reaches each size; one beyond the end of the log reports the tail as missing.
    ``on_progress(done)`` is called every ``progress_every`` verified entries.
    """
    return run_verification(
        map(_as_mapping, entries),
        inspect=inspect_record,
        to_record=lambda record: record,
        genesis=GENESIS_HASH,
        checkpoints=checkpoints,
        on_progress=on_progress,
        progress_every=progress_every,
        start=start,
    )


def run_verification(
    items: Iterator[Item],
    *,
    inspect: Callable[[Item], Inspection | None],
    to_record: Callable[[Item], Mapping[str, Any]],
    genesis: object,
    checkpoints: Iterable[Checkpoint] = (),
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 100_000,
    start: VerifiedPrefix | None = None,
) -> VerificationReport:
    """The verification loop over any item type (see the module docstring).

    ``to_record`` turns an item into a dict for diagnosing a break; ``genesis`` is
    ``GENESIS_HASH`` in the inspector's representation. ``start`` continues a verified
    prefix: ``items`` then begin at the entry after it, and checkpoints smaller than it are
    ignored.
    """
    begin = start or VerifiedPrefix.empty()
    tree = MerkleAccumulator(begin.seq, begin.peaks)
    pending = sorted((size, root.lower()) for size, root in checkpoints)
    if pending and pending[0][0] < 0:
        raise ValueError("checkpoint tree sizes must be >= 0")
    pending = [(size, root) for size, root in pending if size >= begin.seq]
    matched, matched_root = begin.seq, tree.root().hex()  # last confirmed checkpoint
    resume = begin
    while pending and pending[0][0] == begin.seq:
        if pending.pop(0)[1] != matched_root:
            empty = begin.seq == FIRST_SEQ - 1
            detail = "the empty-tree root differs" if empty else f"tree size {begin.seq} differs"
            finding = Finding(Problem.ROOT_MISMATCH, begin.seq + 1, detail)
            return _failed(finding, begin.seq, matched_root)
    next_checkpoint = pending[0][0] if pending else -1
    every = progress_every if on_progress is not None and progress_every > 0 else -1
    countdown = every

    batch: list[bytes] = []  # leaves not yet in ``tree``; hashed in bulk for speed
    last_seq = begin.seq
    last_hash: Any = _like(genesis, begin.last_hash)
    before_last: Any = None if begin.before_last is None else _like(genesis, begin.before_last)
    for item in items:
        found = inspect(item)
        if found is None or found[0] != last_seq + 1 or found[1] != last_hash:
            tree.extend(batch)
            return _broken(item, items, to_record, last_seq, (before_last, last_hash), tree)
        _, before_last, last_hash, leaf = found
        batch.append(leaf)
        last_seq += 1
        if len(batch) == _BATCH:
            tree.extend(batch)
            batch.clear()

        if last_seq == next_checkpoint:
            tree.extend(batch)
            batch.clear()
            size, root = pending.pop(0)
            if tree.root().hex() != root:
                detail = f"checkpoint at tree size {size} does not match entries 1..{size}"
                finding = Finding(Problem.ROOT_MISMATCH, matched + 1, detail)
                return _failed(finding, matched, matched_root)
            matched, matched_root = size, root
            resume = VerifiedPrefix(size, _text(last_hash), _text(before_last), tree.peaks)
            next_checkpoint = pending[0][0] if pending else -1
        if countdown > 0:
            countdown -= 1
            if countdown == 0:
                assert on_progress is not None
                on_progress(last_seq)
                countdown = every

    tree.extend(batch)
    if pending:
        finding = Finding(
            Problem.MISSING,
            last_seq + 1,
            f"a checkpoint covers {pending[-1][0]} entries but the log ends at seq {last_seq}",
        )
        return _failed(finding, last_seq, tree.root().hex())
    return VerificationReport(
        ok=True,
        entries=last_seq,
        first_bad=None,
        problem=None,
        detail=f"{last_seq} entries verified",
        root=tree.root().hex(),
        resume=resume,
    )


def _like(genesis: object, digest: str) -> object:
    """A hex digest in the inspector's representation (ASCII bytes for raw JSON lines)."""
    return digest.encode("ascii") if isinstance(genesis, bytes) else digest


def _text(digest: object) -> str:
    return digest.decode("ascii") if isinstance(digest, bytes) else str(digest)


def _broken(
    item: Item,
    items: Iterator[Item],
    to_record: Callable[[Item], Mapping[str, Any]],
    last_seq: int,
    hashes: tuple[object, object],
    tree: MerkleAccumulator,
) -> VerificationReport:
    before_last, last_hash = (h.decode("ascii") if isinstance(h, bytes) else h for h in hashes)
    assert isinstance(last_hash, str)
    finding = diagnose(
        last_seq,
        last_hash,
        to_record(item),
        map(to_record, items),
        before_last=before_last if isinstance(before_last, str) else None,
    )
    if finding.first_bad == last_seq:  # blamed on the entry accepted last
        return _failed(finding, last_seq - 1, None)
    return _failed(finding, last_seq, tree.root().hex())


def _failed(finding: Finding, intact: int, root: str | None) -> VerificationReport:
    return VerificationReport(
        ok=False,
        entries=intact,
        first_bad=finding.first_bad,
        problem=finding.problem,
        detail=finding.detail,
        root=root,
    )
