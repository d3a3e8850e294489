"""Hostile-input tests run against the same real stack as tests/e2e (one per session)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from e2e_env import E2E, acquire, release, report_figures, session_rank


@pytest.fixture(scope="session")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    """The session's running stack (shared with tests/e2e)."""
    env = acquire(lambda: tmp_path_factory.mktemp("e2e-stack"))
    yield env
    release()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the end-to-end block last, and in it the fault injection, then schemathesis."""
    items.sort(key=lambda item: session_rank(item.path))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the hostile tests recorded (once per session)."""
    report_figures(terminalreporter.write_line)
