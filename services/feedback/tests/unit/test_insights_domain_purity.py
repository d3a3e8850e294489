"""The insights domain is pure: it imports the standard library and the feedback domain."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import closeloop_feedback.domain.insights

DOMAIN = Path(closeloop_feedback.domain.insights.__file__).parent


def _imported(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_insights_domain_imports_only_the_standard_library_and_the_domain() -> None:
    modules = sorted(DOMAIN.glob("*.py"))
    assert len(modules) > 8
    offenders = {
        f"{module.name}: {name}"
        for module in modules
        for name in _imported(module)
        if name.split(".")[0] not in sys.stdlib_module_names
        and not name.startswith("closeloop_feedback.domain")
    }
    assert offenders == set()
