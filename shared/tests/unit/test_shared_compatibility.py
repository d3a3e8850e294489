import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from closeloop_shared.compatibility import breaking_changes
from closeloop_shared.contracts import ROOT, SCHEMA_DIR, drifted, event_schemas

OLD: dict[str, Any] = {
    "properties": {"a": {"type": "string"}, "n": {"type": "integer"}},
    "required": ["a"],
}


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        ({"properties": {"n": {"type": "integer"}}, "required": []}, "'a' was removed"),
        (
            {"properties": {"a": {"type": "integer"}, "n": {"type": "integer"}}, "required": ["a"]},
            "'a' no longer accepts",
        ),
        (
            {"properties": {**OLD["properties"], "b": {"type": "string"}}, "required": ["a", "b"]},
            "'b' became required",
        ),
    ],
)
def test_breaking_changes_are_detected(new: dict[str, object], problem: str) -> None:
    assert any(problem in p for p in breaking_changes(OLD, new))


def test_compatible_changes_pass() -> None:
    new = {
        "properties": {**OLD["properties"], "opt": {"type": "string"}, "n": {"type": "number"}},
        "required": ["a"],
    }
    assert breaking_changes(OLD, new) == []


def test_committed_schemas_match_the_models() -> None:
    assert drifted() == [], "run: uv run python -m closeloop_shared.contracts write"


def _history(path: Path) -> list[str]:
    """Every committed version of a schema file (empty outside a git checkout)."""
    rel = str(path.relative_to(ROOT))
    try:
        revs = subprocess.run(
            ["git", "-C", str(ROOT), "log", "--format=%H", "--", rel],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return []
    return [
        subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{r}:{rel}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for r in revs
    ]


def test_models_stay_compatible_with_every_published_schema_version() -> None:
    current = event_schemas()
    checked = 0
    for path in SCHEMA_DIR.glob("*.json"):
        name = path.name.removesuffix(".json")
        assert name in current, f"{name} was published and its model removed; add a new version"
        for old in [path.read_text(), *_history(path)]:
            assert breaking_changes(json.loads(old), current[name]) == [], name
            checked += 1
    assert checked >= len(current)
