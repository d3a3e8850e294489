"""`make bench` at tiny scale: every scenario runs end to end against real processes and
the result files are well-formed (the full-scale figures come from `make bench`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "bench" / "results.schema.json").read_text())
# Issue 10's five scenarios, with the database ceiling and the polling baseline they compare to,
# issue 19's pipeline at fixed rates and its query plans.
SCENARIOS = (
    "db_ceiling",
    "intake",
    "end_to_end",
    "sla",
    "polling",
    "audit_verify",
    "recovery",
    "pipeline",
    "query_plans",
)


def _refuse_nan(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, str]:
    out = tmp_path_factory.mktemp("bench-results")
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "0.001", "--out", str(out)],
        cwd=ROOT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    files = sorted(out.iterdir())
    assert [f.suffix for f in files] == [".json", ".md"], files
    results = json.loads(files[0].read_text(), parse_constant=_refuse_nan)
    return results, files[1].read_text(), proc.stdout


@pytest.mark.e2e
@pytest.mark.timeout(900)
def test_bench_results_match_the_schema(bench_run: tuple[dict[str, Any], str, str]) -> None:
    results, _, _ = bench_run
    jsonschema.validate(results, SCHEMA)
    failed = {k: v["error"] for k, v in results.items() if isinstance(v, dict) and "error" in v}
    assert failed == {}
    assert set(SCENARIOS) <= results.keys()
    assert set(SCENARIOS) <= results["_durations_s"].keys()


@pytest.mark.e2e
def test_bench_records_the_machine_and_versions(
    bench_run: tuple[dict[str, Any], str, str],
) -> None:
    machine = bench_run[0]["machine"]
    assert machine["cores"] == os.cpu_count()
    assert machine["kafka"].startswith("4.")
    assert all(v != "missing" for v in machine["packages"].values()), machine["packages"]


@pytest.mark.e2e
def test_bench_summary_puts_every_figure_next_to_its_target(
    bench_run: tuple[dict[str, Any], str, str],
) -> None:
    _, markdown, _ = bench_run
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert table[0] == "| figure | target | measured | met |"
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table[1:]]
    assert all(len(r) == 4 for r in rows), rows
    with_target = {r[0].split(" at ")[0].split(",")[0]: r for r in rows if r[3]}
    assert set(with_target) == {
        "Intake complaints/s",
        "End to end p99",
        "Breach detection p50 / p99 / max",
        "SLA worker peak RSS",
        "SLA worker after kill -9: ready / every overdue breach sent",
        "Audit verify",
        "Service ready after kill -9 (slowest of five)",
        "At-risk list",
        "Pipeline 50/s: 201 p99 / 201 → assigned-or-queued and armed p99",
        "Pipeline sustained rate (done p99 ≤ 1 s; nothing shed)",
        "Pipeline 3× sustained: shed 429 / accepted done p99 / accepted lost",
        "Console pages",
    }
    for figure, target, measured, met in with_target.values():
        assert target and "—" not in measured and met in {"yes", "**no**"}, figure
    polling = next(r for r in rows if r[0].startswith("Polling baseline"))
    assert "× Closeloop's" in polling[2]


@pytest.mark.e2e
def test_bench_times_every_console_page_over_real_complaints(
    bench_run: tuple[dict[str, Any], str, str],
) -> None:
    console = bench_run[0]["console_pages"]
    pages = {k: v for k, v in console["pages"].items() if k != "healthz_floor"}
    assert set(pages) == {
        "queue",
        "team",
        "at_risk",
        "complaint",
        "lookup",
        "notifications",
        "reports",
        "admin",
    }
    assert all(v["n"] == console["requests_per_page"] >= 10 for v in pages.values()), pages
    assert pages["complaint"]["path"].startswith("/complaints/CMP-")
    assert console["worst_p99_ms"] == max(v["p99_ms"] for v in pages.values())


@pytest.mark.e2e
def test_bench_prints_progress(bench_run: tuple[dict[str, Any], str, str]) -> None:
    stdout = bench_run[2]
    for name in SCENARIOS:
        assert f"=== {name} ===" in stdout
    assert "[sla] restarted: ready after" in stdout
