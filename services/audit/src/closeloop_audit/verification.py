"""Verifying an audit log with its signed checkpoints, from the database or an export.

Used by the service (``GET /v1/audit/verify`` and the periodic check) and by the
``closeloop audit verify`` command, so both give the same verdict. Signatures are checked
first; the chain is then recomputed entry by entry (hash, link, seq) and the Merkle root is
compared with every validly signed checkpoint as the tree reaches its size.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from closeloop_audit.adapters.signing import key_id_of, verify_signature
from closeloop_audit.domain.checkpoint import Checkpoint
from closeloop_audit.domain.jsonl import verify_jsonl
from closeloop_audit.domain.verify import VerificationReport, VerifiedPrefix, verify_entries

__all__ = [
    "BAD_SIGNATURE",
    "Verdict",
    "checkpoints_path_for",
    "read_checkpoints_file",
    "verify_log",
    "verify_log_file",
    "write_checkpoints_file",
]

BAD_SIGNATURE = "bad_signature"
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome: the chain report plus what was learned about the checkpoints."""

    ok: bool
    entries: int
    first_bad: int | None
    problem: str | None
    detail: str
    root: str | None
    checkpoints_checked: int
    key_pinned: bool
    # where the next pass may continue from (see VerifiedPrefix); not part of the answer
    resume: VerifiedPrefix | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        fields = asdict(self)
        del fields["resume"]
        return fields


def _fingerprints(keys: Iterable[str]) -> dict[str, str]:
    """key_id → base64 key, for the keys a verifier trusts."""
    trusted = {}
    for key in keys:
        try:
            trusted[key_id_of(base64.b64decode(key, validate=True))] = key
        except ValueError:
            raise ValueError(f"trusted key {key[:12]}... is not base64") from None
    return trusted


def _signature_problem(checkpoint: Checkpoint, trusted: Mapping[str, str] | None) -> str | None:
    size = checkpoint.tree_size
    if trusted is not None:
        key = trusted.get(checkpoint.key_id)
        if key is None:
            return f"checkpoint {size} is signed by key {checkpoint.key_id}, which is not trusted"
    else:
        key = checkpoint.public_key
        try:
            fingerprint = key_id_of(base64.b64decode(key, validate=True))
        except ValueError:
            return f"checkpoint {size} carries an unreadable public key"
        if fingerprint != checkpoint.key_id:
            return f"checkpoint {size} names key_id {checkpoint.key_id} for key {fingerprint}"
    if not verify_signature(key, checkpoint.message, checkpoint.signature):
        return f"the signature of checkpoint {size} does not verify"
    return None


def _sort_checkpoints(
    checkpoints: Iterable[Checkpoint], trusted_keys: Collection[str] | None
) -> tuple[list[tuple[int, str]], list[str]]:
    """(tree_size, root) of the validly signed checkpoints, and the problems found."""
    trusted = None if trusted_keys is None else _fingerprints(trusted_keys)
    roots: dict[int, str] = {}
    problems: list[str] = []
    for checkpoint in checkpoints:
        problem = _signature_problem(checkpoint, trusted)
        if problem is not None:
            problems.append(problem)
            continue
        known = roots.setdefault(checkpoint.tree_size, checkpoint.root_hash.lower())
        if known != checkpoint.root_hash.lower():
            problems.append(f"two signed checkpoints disagree at tree size {checkpoint.tree_size}")
    return sorted(roots.items()), problems


def _verdict(
    report: VerificationReport, checked: int, problems: list[str], pinned: bool
) -> Verdict:
    if report.ok and problems:
        detail = "; ".join(problems[:5]) + ("; ..." if len(problems) > 5 else "")
        return Verdict(
            False, report.entries, None, BAD_SIGNATURE, detail, report.root, checked, pinned
        )  # no resume: the next pass must read the signatures again
    return Verdict(
        ok=report.ok,
        entries=report.entries,
        first_bad=report.first_bad,
        problem=None if report.problem is None else report.problem.value,
        detail=report.detail,
        root=report.root,
        checkpoints_checked=checked,
        key_pinned=pinned,
        resume=report.resume,
    )


def verify_log(
    entries: Iterable[Mapping[str, Any]],
    checkpoints: Iterable[Checkpoint],
    *,
    trusted_keys: Collection[str] | None = None,
    on_progress: Progress | None = None,
    progress_every: int = 100_000,
    start: VerifiedPrefix | None = None,
) -> Verdict:
    """Verify entries (dicts in ascending seq order) against signed checkpoints.

    ``trusted_keys`` (base64 Ed25519 public keys, current and retired) pin the signers;
    without them each checkpoint is checked against the key it carries, which proves
    integrity but not origin (``key_pinned`` is then False). With ``start`` (an earlier
    verdict's ``resume``), ``entries`` begin after it and only checkpoints of its size or
    more count.
    """
    pairs, problems = _sort_checkpoints(checkpoints, trusted_keys)
    report = verify_entries(
        entries,
        checkpoints=pairs,
        on_progress=on_progress,
        progress_every=progress_every,
        start=start,
    )
    return _verdict(report, len(pairs), problems, trusted_keys is not None)


def verify_log_file(
    path: str | Path,
    checkpoints: Iterable[Checkpoint],
    *,
    trusted_keys: Collection[str] | None = None,
    on_progress: Progress | None = None,
    progress_every: int = 100_000,
) -> Verdict:
    """Verify an exported JSON Lines file against signed checkpoints."""
    pairs, problems = _sort_checkpoints(checkpoints, trusted_keys)
    report = verify_jsonl(
        path,
        loads=orjson.loads,
        checkpoints=pairs,
        on_progress=on_progress,
        progress_every=progress_every,
    )
    return _verdict(report, len(pairs), problems, trusted_keys is not None)


def checkpoints_path_for(export: str | Path) -> Path:
    """Where the checkpoints of an export live: ``log.jsonl`` → ``log.checkpoints.jsonl``."""
    path = Path(export)
    return path.with_name(f"{path.stem}.checkpoints.jsonl")


def read_checkpoints_file(path: str | Path) -> list[Checkpoint]:
    """Checkpoints from a JSON Lines file (one ``Checkpoint.to_dict`` object per line)."""
    with open(path, "rb") as handle:
        return [Checkpoint.from_dict(orjson.loads(line)) for line in handle if line.strip()]


def write_checkpoints_file(path: str | Path, checkpoints: Sequence[Checkpoint]) -> None:
    """Write checkpoints as JSON Lines, oldest first."""
    with open(path, "wb") as handle:
        for checkpoint in sorted(checkpoints, key=lambda c: c.tree_size):
            handle.write(orjson.dumps(checkpoint.to_dict()) + b"\n")
