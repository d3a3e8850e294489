"""Grafana dashboards (deploy/grafana/dashboards): generated, well-formed, bound to the
provisioned data source, and every panel query is valid PromQL (checked by promtool)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

Runner = Callable[..., subprocess.CompletedProcess[str]]
DASHBOARDS = {"sla-overview.json", "pipeline-health.json", "csat.json"}
# Grafana's built-in variables, replaced by a plausible value for the syntax check
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h"}


@pytest.fixture(scope="module")
def dashboards(repo_root: Path) -> dict[str, dict[str, Any]]:
    directory = repo_root / "deploy" / "grafana" / "dashboards"
    return {p.name: json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))}


def panel_queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, PromQL) of every query of every panel."""
    return [
        (panel["title"], target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]


def promql_problems(promtool: Path, runner: Runner, queries: list[str], tmp_path: Path) -> str:
    """promtool's complaint about ``queries`` (empty when all parse), checked as rules."""
    rules = []
    for index, query in enumerate(queries):
        for variable, value in GRAFANA_VARIABLES.items():
            query = query.replace(variable, value)
        rules.append({"record": f"dashboard:query_{index}", "expr": query})
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = runner(promtool, "check", "rules", path)
    return "" if result.returncode == 0 else result.stdout + result.stderr


def test_the_three_dashboards_are_committed_as_generated(
    dashboards: dict[str, dict[str, Any]], ops_module: Callable[[str], ModuleType]
) -> None:
    assert set(dashboards) == DASHBOARDS
    assert ops_module("gen_grafana_dashboards").main(["--check"]) == 0


def test_dashboards_are_well_formed_and_use_the_provisioned_data_source(
    dashboards: dict[str, dict[str, Any]], repo_root: Path
) -> None:
    provisioning = repo_root / "deploy" / "grafana" / "provisioning" / "datasources"
    sources = yaml.safe_load((provisioning / "prometheus.yml").read_text())["datasources"]
    prometheus_uids = {s["uid"] for s in sources if s["type"] == "prometheus"}
    uids = [d["uid"] for d in dashboards.values()]
    assert len(set(uids)) == len(uids)
    for name, dashboard in dashboards.items():
        assert dashboard["title"].startswith("Closeloop / "), name
        ids = [p["id"] for p in dashboard["panels"]]
        assert len(set(ids)) == len(ids), name
        for panel in dashboard["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, (name, panel["title"])
            if panel["type"] == "row":
                continue
            assert panel["targets"], (name, panel["title"])
            assert panel["datasource"]["uid"] in prometheus_uids
            for target in panel["targets"]:
                assert target["datasource"]["uid"] in prometheus_uids


def test_every_dashboard_query_is_valid_promql(
    dashboards: dict[str, dict[str, Any]], promtool: Path, tool_runner: Runner, tmp_path: Path
) -> None:
    queries = [expr for d in dashboards.values() for _, expr in panel_queries(d)]
    assert len(queries) > 30
    assert promql_problems(promtool, tool_runner, queries, tmp_path) == ""


def test_a_dashboard_with_a_broken_query_is_rejected(
    dashboards: dict[str, dict[str, Any]], promtool: Path, tool_runner: Runner, tmp_path: Path
) -> None:
    queries = [expr for _, expr in panel_queries(dashboards["csat.json"])]
    queries[0] = queries[0].replace(")", "", 1)
    assert "parse error" in promql_problems(promtool, tool_runner, queries, tmp_path)


def test_the_sla_overview_shows_the_objective_and_breaches_by_clock_and_severity(
    dashboards: dict[str, dict[str, Any]],
) -> None:
    queries = " ".join(expr for _, expr in panel_queries(dashboards["sla-overview.json"]))
    for fragment in (
        "closeloop:sla_clock_errors:ratio_rate1h",
        "sum by (clock) (rate(closeloop_sla_breaches_total",
        "sum by (severity) (rate(closeloop_sla_breaches_total",
        "closeloop_sla_detection_lag_seconds_bucket",
    ):
        assert fragment in queries
    csat = " ".join(expr for _, expr in panel_queries(dashboards["csat.json"]))
    assert "closeloop_csat_ratio" in csat and "closeloop_surveys_total" in csat


def test_dashboards_pass_the_foundation_sdks_strict_decoder(
    repo_root: Path, grafana_strict: Path, tool_runner: Runner
) -> None:
    """grafana-foundation-sdk's strict decoder (tools/grafana-strict) loads every committed
    dashboard: no required panel option missing, no unexpected field."""
    paths = sorted((repo_root / "deploy" / "grafana" / "dashboards").glob("*.json"))
    result = tool_runner(grafana_strict, *paths)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": ok (") == len(DASHBOARDS)


def test_the_strict_decoder_rejects_a_panel_missing_its_options(
    dashboards: dict[str, dict[str, Any]], grafana_strict: Path, tool_runner: Runner, tmp_path: Path
) -> None:
    """The check above can fail: a stat panel without its required options is rejected."""
    board = dashboards["csat.json"]
    stat_panel = next(p for p in board["panels"] if p["type"] == "stat")
    del stat_panel["options"]["graphMode"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(board))
    result = tool_runner(grafana_strict, broken)
    assert result.returncode == 1
    assert "options.graphMode: required field is missing" in result.stdout
