"""``closeloop audit verify|export``: check the audit log offline, without the service.

- ``closeloop audit verify [--mongo-uri URI] [--db NAME]`` verifies the log in the audit
  service's database; ``closeloop audit verify --file log.jsonl`` verifies an export (and
  the checkpoints beside it, ``log.checkpoints.jsonl``). Both recompute every entry hash,
  link and sequence number and every signed checkpoint's root, print the verdict as JSON
  and exit 0 when the log is intact, 1 when it is not. Progress goes to stderr.
- ``closeloop audit export --out log.jsonl`` writes the log as canonical JSON Lines and its
  checkpoints to ``log.checkpoints.jsonl``.

``--public-key`` (repeatable) pins the signing keys to trust (see ``GET
/v1/audit/public-key``); without it each checkpoint is checked against the key it carries.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from closeloop_audit.adapters.log_reader import LogReader, open_client
from closeloop_audit.domain.chain import AuditEntry
from closeloop_audit.domain.jsonl import export_jsonl_lines
from closeloop_audit.verification import (
    Verdict,
    checkpoints_path_for,
    read_checkpoints_file,
    verify_log,
    verify_log_file,
    write_checkpoints_file,
)


class ProgressBar:
    """A one-line progress bar on stderr: ``[#####.....]  45%  450,000/1,000,000``."""

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None) -> None:
        self.label, self.total = label, max(total, 0)
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()

    def update(self, done: int) -> None:
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        share = min(done / self.total, 1.0) if self.total else 0.0
        filled = int(share * 30)
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} "
            f"{done:,}/{self.total:,} entries, {done / elapsed:,.0f}/s"
        )
        self.stream.flush()

    def finish(self, done: int) -> None:
        self.update(done)
        self.stream.write("\n")
        self.stream.flush()


def _default_uri() -> str:
    return os.environ.get("CLOSELOOP_MONGO_URI", "mongodb://127.0.0.1:27017")


def _default_db() -> str:
    return f"{os.environ.get('CLOSELOOP_MONGO_DB_PREFIX', 'closeloop_')}audit"


def register(sub: Any) -> None:
    audit: argparse.ArgumentParser = sub.add_parser("audit", help="verify or export the audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = commands.add_parser("verify", help="verify the log (database or exported file)")
    verify.add_argument("--file", type=Path, help="an export (closeloop audit export) to check")
    verify.add_argument("--checkpoints", type=Path, help="default: <file>.checkpoints.jsonl")
    export = commands.add_parser("export", help="write the log as JSON Lines")
    export.add_argument("--out", type=Path, required=True, help="entries file (.jsonl)")
    for parser in (verify, export):
        parser.add_argument("--mongo-uri", default=_default_uri(), help="audit database server")
        parser.add_argument("--db", default=_default_db(), help="audit database name")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    verify.add_argument("--public-key", action="append", default=None, help="trusted key (b64)")
    verify.set_defaults(run=run_verify)
    export.set_defaults(run=run_export)


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            count += chunk.count(b"\n")
    return count


def run_verify(args: argparse.Namespace) -> int:
    """Verify the log; print the verdict; 0 if intact, 1 if not."""
    if args.file is not None:
        if not args.file.exists():
            print(f"closeloop audit verify: no such file {args.file}", file=sys.stderr)
            return 2
        total = _count_lines(args.file)
        cp_path = args.checkpoints or checkpoints_path_for(args.file)
        checkpoints = read_checkpoints_file(cp_path) if cp_path.exists() else []
        if not cp_path.exists():
            print(f"note: {cp_path} not found; checking the chain only", file=sys.stderr)
        bar = None if args.no_progress else ProgressBar("verifying", total)
        verdict = verify_log_file(
            args.file, checkpoints, trusted_keys=args.public_key, **_progress(bar, total)
        )
    else:
        client = open_client(args.mongo_uri)
        try:
            reader = LogReader(client, args.db)
            checkpoints, total = reader.checkpoints(), reader.count()
            bar = None if args.no_progress else ProgressBar("verifying", total)
            verdict = verify_log(
                reader.entries(), checkpoints, trusted_keys=args.public_key,
                **_progress(bar, total),
            )  # fmt: skip
        finally:
            client.close()
    if bar is not None:
        bar.finish(verdict.entries)
    return _report(verdict)


def _progress(bar: ProgressBar | None, total: int) -> dict[str, Any]:
    if bar is None:
        return {}
    return {"on_progress": bar.update, "progress_every": max(1000, total // 200)}


def _report(verdict: Verdict) -> int:
    print(json.dumps(verdict.to_dict(), indent=2))
    if not verdict.key_pinned:
        note = "note: signatures were checked against the keys the checkpoints carry; "
        print(note + "pin the service's key with --public-key to prove who signed them",
              file=sys.stderr)  # fmt: skip
    return 0 if verdict.ok else 1


def run_export(args: argparse.Namespace) -> int:
    """Write entries and checkpoints as JSON Lines."""
    client = open_client(args.mongo_uri)
    cp_path = checkpoints_path_for(args.out)
    try:
        reader = LogReader(client, args.db)
        checkpoints, total = reader.checkpoints(), reader.count()
        bar = None if args.no_progress else ProgressBar("exporting", total)
        written = 0
        with args.out.open("wb") as out:
            entries = (AuditEntry.from_dict(doc) for doc in reader.entries())
            for line in export_jsonl_lines(entries):
                out.write(line)
                written += 1
                if bar is not None and written % 10_000 == 0:
                    bar.update(written)
        write_checkpoints_file(cp_path, checkpoints)
    finally:
        client.close()
    if bar is not None:
        bar.finish(written)
    summary = {"entries": written, "checkpoints": len(checkpoints), "out": str(args.out),
               "checkpoints_out": str(cp_path)}  # fmt: skip
    print(json.dumps(summary))
    return 0
