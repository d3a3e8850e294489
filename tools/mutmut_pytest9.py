"""pytest plugin for ``make mutation`` (loaded by tools/mutation.py).

- mutmut 3.7 reads ``item._nodeid``, gone in pytest 9. mutmut 3.8 fixes it but needs
  click>=8.4.2, which faust-streaming (sla) excludes; so each test item gets the old name.
- mutmut's trampolines import ``mutmut`` inside the mutated domain modules, which the
  domain-purity tests rightly refuse; they check the source, not behaviour, so they are
  deselected in the mutants copy only.
"""

from __future__ import annotations

import pytest


def _is_purity_check(item: pytest.Item) -> bool:
    return "purity" in item.nodeid or "standard_library" in item.nodeid


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselected = [item for item in items if _is_purity_check(item)]
    items[:] = [item for item in items if not _is_purity_check(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    for item in items:
        item._nodeid = item.nodeid  # type: ignore[attr-defined]
