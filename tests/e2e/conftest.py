"""End-to-end tests run against one real stack per session (see e2e_env.py).

    uv run pytest tests/e2e tests/hostile          # everything, one stack, a few minutes
    uv run pytest -m e2e                           # the same, selected by marker
    uv run python -m bench.faults --scale 1.0      # the large fault profile (make bench)

Knobs: CLOSELOOP_SCHEMATHESIS_EXAMPLES (per operation, default 10) and
CLOSELOOP_SCHEMATHESIS_SEED. mypy needs the helpers' folder: MYPYPATH=tests/e2e.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e_env import E2E, acquire, release, report_figures, session_rank


@pytest.fixture(scope="session")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    """The session's running stack."""
    env = acquire(lambda: tmp_path_factory.mktemp("e2e-stack"))
    yield env
    release()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the end-to-end block last, and in it the fault injection, then schemathesis."""
    items.sort(key=lambda item: session_rank(item.path))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the end-to-end tests recorded."""
    report_figures(terminalreporter.write_line)
