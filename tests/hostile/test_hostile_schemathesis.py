"""Schemathesis against every service's published OpenAPI document: generated requests
(valid and invalid, every operation) must never get a 5xx, and every documented response
must match its schema and content type.

Every operation, bodies included (the public survey answer and the webhook too), with each
role's token in turn and webhook bodies signed (``schemathesis_hooks.py``); the example
count is bounded for CI (``CLOSELOOP_SCHEMATHESIS_EXAMPLES``, default 12 per operation: two
per role) and the seed is fixed (``CLOSELOOP_SCHEMATHESIS_SEED``) so a failure reproduces.
These tests run last in the session (see tests/e2e/conftest.py): they PUT generated routing
and SLA configurations.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from e2e_env import E2E, SERVICES, Role, auth, record_figures

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

EXAMPLES = int(os.environ.get("CLOSELOOP_SCHEMATHESIS_EXAMPLES", "12"))
HOOKS_DIR = Path(__file__).resolve().parent
ROLES = {"admin", "agent", "supervisor", "department", "auditor", "channel"}
SEED = int(os.environ.get("CLOSELOOP_SCHEMATHESIS_SEED", "20261122"))
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"
_cases: dict[str, int] = {}


def schemathesis_command(url: str, token: str, report_dir: Path) -> list[str]:
    """The `schemathesis run` command line for one service."""
    cli = Path(sys.executable).with_name("schemathesis")
    return [
        str(cli),
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--no-shrink",
        "--request-timeout",
        "30",
        "--suppress-health-check",
        "all",
        "--report",
        "json",
        "--report-dir",
        str(report_dir),
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_generated_requests_never_get_a_5xx_and_match_the_schema(
    e2e: E2E, service: str, tmp_path: Path
) -> None:
    token = auth(Role.admin, sub="schemathesis")["Authorization"]
    command = schemathesis_command(e2e.url(service), token, tmp_path / "report")
    roles_log = tmp_path / "roles.log"
    env = os.environ | {
        "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HOOKS_DIR), os.environ.get("PYTHONPATH")])),
        "CLOSELOOP_SCHEMATHESIS_ROLES_LOG": str(roles_log),
    }
    done = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=540, check=False, env=env
    )
    reports = sorted((tmp_path / "report").glob("*.json"))
    assert reports, f"schemathesis wrote no report:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}"
    report = json.loads(reports[-1].read_text())
    _cases[service] = int(report["test_cases"]["generated"])
    record_figures(
        schemathesis_cases=sum(_cases.values()),
        **{f"schemathesis_cases_{name}": n for name, n in _cases.items()},
    )
    assert report["operations"]["tested"] > 0, done.stdout[-3000:]
    used = set(roles_log.read_text().split()) if roles_log.exists() else set()
    assert used == ROLES, f"{service}: roles used {sorted(used)}\n{done.stdout[-2000:]}"
    assert done.returncode == 0 and not report["failures"], (
        f"{service}: {report['failures']}\n{done.stdout[-6000:]}"
    )
