"""Benchmark: verification throughput of an exported audit log (target ≥ 200,000 entries/s).

Builds a synthetic export of ``1,000,000 × scale`` chained entries with a signed checkpoint
every 1,000 entries (what the service produces with its defaults), then times exactly what
``closeloop audit verify --file`` does: check every checkpoint signature, recompute every
entry hash, link and seq, and compare the Merkle root at each checkpoint.

    uv run python bench/audit_verify.py --scale 1.0
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from closeloop_audit.adapters.signing import CheckpointSigner
from closeloop_audit.config import DEV_AUDIT_SIGNING_KEY
from closeloop_audit.domain.chain import AuditEntry
from closeloop_audit.domain.checkpoint import Checkpoint, checkpoint_message
from closeloop_audit.domain.merkle import MerkleAccumulator
from closeloop_audit.domain.synthetic import generate_log
from closeloop_audit.verification import verify_log_file

FULL_SCALE = 1_000_000
CHECKPOINT_EVERY = 1_000
TARGET = 200_000


def _progress(label: str, total: int) -> Any:
    started = time.perf_counter()

    def report(done: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        print(f"\r  {label}: {done:,}/{total:,} ({rate:,.0f}/s)", end="", file=sys.stderr)

    return report


def write_export(path: Path, n: int, signer: CheckpointSigner) -> list[Checkpoint]:
    """Write ``n`` entries as canonical JSON Lines; return the checkpoints signed on the way."""
    tree = MerkleAccumulator()
    checkpoints: list[Checkpoint] = []
    report = _progress("writing", n)
    signed_at = datetime(2026, 1, 1, tzinfo=UTC)
    with path.open("wb", buffering=1 << 20) as out:
        for record in generate_log(n):
            entry = AuditEntry.from_dict(record)
            out.write(entry.to_json_line().encode() + b"\n")
            tree.append(entry.leaf)
            if entry.seq % CHECKPOINT_EVERY == 0 or entry.seq == n:
                root = tree.root().hex()
                message = checkpoint_message(entry.seq, root, signed_at, signer.key_id)
                checkpoints.append(
                    Checkpoint(entry.seq, root, signed_at, signer.key_id,
                               signer.public_key_b64, signer.sign(message))
                )  # fmt: skip
            if entry.seq % 100_000 == 0:
                report(entry.seq)
    print(file=sys.stderr)
    return checkpoints


def run(scale: float = 1.0) -> dict[str, Any]:
    """Build the export, verify it, and return the measurements."""
    n = max(1, int(FULL_SCALE * scale))
    signer = CheckpointSigner(DEV_AUDIT_SIGNING_KEY)
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
        path = Path(tmp) / "audit.jsonl"
        checkpoints = write_export(path, n, signer)
        size = path.stat().st_size
        started, cpu_started = time.perf_counter(), time.process_time()
        verdict = verify_log_file(
            path,
            checkpoints,
            trusted_keys=[signer.public_key_b64],
            on_progress=_progress("verifying", n),
            progress_every=100_000,
        )
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    print(file=sys.stderr)
    rate = n / seconds
    return {
        "benchmark": "audit_verify",
        "scale": scale,
        "entries": n,
        "checkpoints": len(checkpoints),
        "file_bytes": size,
        "seconds": round(seconds, 3),
        "entries_per_s": round(rate),
        # CPU time is what verification costs; wall time also counts waiting for a core on a
        # shared machine, so both are reported.
        "cpu_seconds": round(cpu_seconds, 3),
        "entries_per_cpu_s": round(n / cpu_seconds),
        "target_entries_per_s": TARGET,
        "meets_target": rate >= TARGET,
        "ok": verdict.ok,
        "verified_entries": verdict.entries,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 entries")
    args = parser.parse_args()
    print(json.dumps(run(args.scale), indent=2))


if __name__ == "__main__":
    main()
