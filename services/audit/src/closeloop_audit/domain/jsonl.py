"""The JSON Lines export of the audit log and its fast verifier.

The export writes each entry as its canonical JSON (``AuditEntry.to_json_line``), one per
line. In that form ``entry_hash`` sorts first, and the bytes after it are exactly the
canonical bytes the hash was computed over. A strict pattern recognises such lines without
a JSON parser: it admits only the canonical layout (fixed key order, no whitespace,
canonical integers, printable-ASCII strings with nothing to escape), for which the raw bytes
*are* the canonical encoding, so hashing them is equivalent to re-encoding the parsed
fields. Any other line (non-ASCII text, escapes, a foreign exporter's layout) goes through
``loads`` and the general path, so the verdict never depends on which path a line took.
"""

from __future__ import annotations

import json
import re
from binascii import unhexlify
from collections.abc import Callable, Iterable, Iterator, Mapping
from hashlib import sha256
from itertools import filterfalse
from os import PathLike
from typing import Any

from closeloop_audit.domain.chain import GENESIS_HASH, AuditEntry
from closeloop_audit.domain.verify import (
    Checkpoint,
    Inspection,
    VerificationReport,
    inspect_record,
    run_verification,
)

__all__ = ["export_jsonl_lines", "verify_jsonl"]

Loads = Callable[[bytes], Any]

_TEXT = rb'[\x20\x21\x23-\x5b\x5d-\x7e]*+"'  # rest of a string that needs no escaping
_INT = rb"(?:0|-?[1-9][0-9]*+)"
_HEX = rb"([0-9a-f]{64})"
_CANONICAL_LINE = re.compile(
    rb'\{"entry_hash":"' + _HEX + rb'",('
    rb'"event_id":"'
    + _TEXT
    + rb',"event_type":"'
    + _TEXT
    + rb',"offset":'
    + _INT
    + rb',"partition":'
    + _INT
    + rb',"payload_hash":"'
    + _TEXT
    + rb',"prev_hash":"'
    + _HEX
    + rb'","recorded_at":"'
    + _TEXT
    + rb',"seq":('
    + _INT
    + rb")"
    + rb',"subject":(?:null|"'
    + _TEXT
    + rb'),"topic":"'
    + _TEXT
    + rb"\})\r?\n?"
)


def export_jsonl_lines(entries: Iterable[AuditEntry]) -> Iterator[bytes]:
    """Encode entries for a JSON Lines export: canonical JSON, newline-terminated."""
    for entry in entries:
        yield entry.to_json_line().encode("utf-8") + b"\n"


def _parse(line: bytes, loads: Loads) -> Mapping[str, Any]:
    try:
        record = loads(line)
    except ValueError:  # json and orjson decode errors both derive from ValueError
        return {}
    return record if isinstance(record, dict) else {}


def _line_inspector(loads: Loads) -> Callable[[bytes], Inspection | None]:
    match = _CANONICAL_LINE.fullmatch

    def inspect(line: bytes) -> Inspection | None:
        found = match(line)
        if found is None:  # not in the canonical layout: take the general path
            general = inspect_record(_parse(line, loads))
            if general is None:
                return None
            seq, prev, stored, leaf = general
            return seq, prev.encode(), stored.encode(), leaf
        stored_hex, body, prev_hex, seq_text = found.group(1, 2, 3, 4)
        leaf = unhexlify(stored_hex)
        if sha256(b"\x00{" + body).digest() != leaf:
            return None
        return int(seq_text), prev_hex, stored_hex, leaf

    return inspect


def verify_jsonl(
    path: str | PathLike[str],
    *,
    loads: Loads | None = None,
    checkpoints: Iterable[Checkpoint] = (),
    on_progress: Callable[[int], None] | None = None,
    progress_every: int = 100_000,
) -> VerificationReport:
    """Verify an exported JSON Lines file (one entry per line, blank lines skipped).

    ``loads`` parses lines outside the canonical layout and lines needed to diagnose a
    break; it defaults to ``json.loads`` (pass ``orjson.loads`` for speed). Other options
    are those of ``verify_entries``.
    """
    parse: Loads = json.loads if loads is None else loads
    with open(path, "rb", buffering=1 << 20) as handle:
        lines = filterfalse(bytes.isspace, handle)
        return run_verification(
            lines,
            inspect=_line_inspector(parse),
            to_record=lambda line: _parse(line, parse),
            genesis=GENESIS_HASH.encode(),
            checkpoints=checkpoints,
            on_progress=on_progress,
            progress_every=progress_every,
        )
