"""The intake domain is pure: it imports nothing but the standard library, itself and the
stdlib-only duration grammar of shared (whose own purity shared's tests check)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import closeloop_intake.domain as domain

DOMAIN_DIR = Path(domain.__file__).parent
STDLIB_ONLY_SHARED = {"closeloop_shared.durations"}


def _imported_top_level_modules(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_intake_domain_imports_only_the_standard_library() -> None:
    modules = sorted(DOMAIN_DIR.glob("*.py"))
    assert len(modules) > 1
    for module in modules:
        for name in _imported_top_level_modules(module):
            top = name.split(".")[0]
            own = name.startswith("closeloop_intake.domain") or name in STDLIB_ONLY_SHARED
            assert own or top in sys.stdlib_module_names, f"{module.name} imports {name}"
