"""The JSON Lines fast path gives exactly the verdict of the general (parse and re-encode)
path, and the domain package stays pure."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import closeloop_audit.domain as domain
from closeloop_audit.domain.chain import LoggedEvent, hash_payload, make_entry
from closeloop_audit.domain.jsonl import _line_inspector, export_jsonl_lines, verify_jsonl
from closeloop_audit.domain.verify import Inspection, inspect_record

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=10)
ASCII_LINE = (
    make_entry(
        None,
        1,
        LoggedEvent(
            recorded_at="2026-05-01T10:00:00+08:00",
            topic="complaints.events.v1",
            partition=2,
            offset=41,
            event_id="evt-1",
            event_type="complaint.created",
            subject="CMP-1",
            payload_hash=hash_payload({"a": 1}),
        ),
    )
    .to_json_line()
    .encode()
    + b"\n"
)
fast_inspect = _line_inspector(json.loads)


def general_inspect(line: bytes) -> Inspection | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return inspect_record(record) if isinstance(record, dict) else None


@given(TEXT, TEXT, st.one_of(st.none(), TEXT), st.integers(0, 2**40))
def test_fast_and_general_paths_agree_on_any_sealed_entry(
    topic: str, event_type: str, subject: str | None, offset: int
) -> None:
    event = LoggedEvent("2026-01-01T00:00:00Z", topic, 0, offset, "e", event_type, subject, "p")
    line = next(export_jsonl_lines([make_entry(None, 1, event)]))
    fast, general = fast_inspect(line), general_inspect(line)
    assert fast is not None and general is not None
    assert (fast[0], fast[1].decode(), fast[2].decode(), fast[3]) == general


@settings(max_examples=400)
@given(st.integers(0, len(ASCII_LINE) - 2), st.integers(0, 255))
def test_a_changed_byte_gets_the_same_verdict_on_both_paths(position: int, value: int) -> None:
    line = ASCII_LINE[:position] + bytes([value]) + ASCII_LINE[position + 1 :]
    fast, general = fast_inspect(line), general_inspect(line)
    assert (fast is None) == (general is None)
    assert fast is None or line == ASCII_LINE


def test_export_then_verify_round_trips(tmp_path: Path) -> None:
    entries = [make_entry(None, 1, LoggedEvent("t", "topic", 0, 0, "e", "x", None, "p"))]
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"".join(export_jsonl_lines(entries)))
    report = verify_jsonl(str(path))
    assert report.ok and report.entries == 1


def test_domain_modules_import_only_the_standard_library() -> None:
    package = Path(domain.__file__).parent
    for module in package.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                allowed = top in sys.stdlib_module_names or name.startswith(
                    "closeloop_audit.domain"
                )
                assert allowed, f"{module.name} imports {name}"
