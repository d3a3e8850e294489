"""The SLA domain is pure: it imports the standard library and itself, nothing else but the
stdlib-only duration grammar of shared (whose own purity shared's tests check)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import closeloop_sla.domain

DOMAIN = Path(closeloop_sla.domain.__file__).parent
STDLIB_ONLY_SHARED = {"closeloop_shared.durations"}


def _imported_roots(source: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module)
    return roots


def test_domain_modules_import_only_the_standard_library() -> None:
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) > 5
    offenders = {
        f"{module.name}: {name}"
        for module in modules
        for name in _imported_roots(module)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith("closeloop_sla.domain")
        and name not in STDLIB_ONLY_SHARED
    }
    assert offenders == set()
