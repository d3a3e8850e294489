"""The alert rules (deploy/prometheus/alerts.yml): valid for promtool, unit-tested with
``promtool test rules``, identical in the Kubernetes PrometheusRule, each alert documented in
docs/runbooks.md; the Prometheus and Alertmanager configurations they run under are valid."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

Documents = list[dict[str, Any]]
Runner = Callable[..., subprocess.CompletedProcess[str]]
REQUIRED_ALERTS = {
    "CloseloopSlaBreachUrgent",
    "CloseloopSlaBreach",
    "CloseloopSlaErrorBudgetBurnFast",
    "CloseloopSlaErrorBudgetBurnMedium",
    "CloseloopSlaErrorBudgetBurnSlow",
    "CloseloopConsumerLagGrowing",
    "CloseloopDeadLetterQueueNotEmpty",
    "CloseloopAuditChainVerificationFailed",
    "CloseloopServiceDown",
    "CloseloopIntakeErrorRatioHigh",
}


@pytest.fixture(scope="module")
def prometheus_dir(repo_root: Path) -> Path:
    return repo_root / "deploy" / "prometheus"


@pytest.fixture(scope="module")
def rule_groups(prometheus_dir: Path) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load((prometheus_dir / "alerts.yml").read_text())[
        "groups"
    ]
    return groups


@pytest.fixture(scope="module")
def alerts(rule_groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["alert"]: r for g in rule_groups for r in g["rules"] if "alert" in r}


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_rule_file_passes_promtool_check(
    promtool: Path, tool_runner: Runner, prometheus_dir: Path
) -> None:
    result = tool_runner(promtool, "check", "rules", prometheus_dir / "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_rule_unit_tests_pass_with_promtool(
    promtool: Path, tool_runner: Runner, prometheus_dir: Path
) -> None:
    test_files = sorted((prometheus_dir / "tests").glob("*.yml"))
    assert len(test_files) >= 3
    result = tool_runner(promtool, "test", "rules", *test_files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(test_files), result.stdout


def test_a_rule_file_with_invalid_promql_is_rejected(
    promtool: Path, tool_runner: Runner, prometheus_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "alerts.yml"
    text = (prometheus_dir / "alerts.yml").read_text()
    broken.write_text(text.replace("max by (topic) (closeloop_dlq_size) > 0", "max by (topic (x"))
    result = tool_runner(promtool, "check", "rules", broken)
    assert result.returncode != 0
    assert "parse error" in (result.stdout + result.stderr)


@pytest.mark.parametrize(
    ("original", "broken", "test_file"),
    [
        pytest.param("for: 10s", "for: 10m", "sla_breaches_test.yml", id="breach-alert-too-slow"),
        pytest.param(
            "(14.4 * 0.01)", "(44.4 * 0.01)", "sla_slo_burn_test.yml", id="fast-burn-threshold-off"
        ),
        pytest.param(
            'status=~"5.."', 'status=~"4.."', "pipeline_test.yml", id="intake-errors-count-4xx"
        ),
    ],
)
def test_rule_unit_tests_catch_a_broken_rule(
    promtool: Path,
    tool_runner: Runner,
    prometheus_dir: Path,
    tmp_path: Path,
    original: str,
    broken: str,
    test_file: str,
) -> None:
    copy = tmp_path / "prometheus"
    shutil.copytree(prometheus_dir, copy)
    rules = copy / "alerts.yml"
    assert original in rules.read_text()
    rules.write_text(rules.read_text().replace(original, broken))
    result = tool_runner(promtool, "test", "rules", copy / "tests" / test_file)
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr


def test_prometheus_rule_resource_holds_exactly_the_rule_file_groups(
    built_overlays: dict[str, Documents],
    rule_groups: list[dict[str, Any]],
    ops_module: Callable[[str], ModuleType],
) -> None:
    for overlay, documents in built_overlays.items():
        (rule,) = [d for d in documents if d["kind"] == "PrometheusRule"]
        assert rule["spec"]["groups"] == rule_groups, overlay
    assert ops_module("gen_prometheus_rule").main(["--check"]) == 0


def test_the_required_alerts_exist_on_the_right_metrics(alerts: dict[str, dict[str, Any]]) -> None:
    assert set(alerts) >= REQUIRED_ALERTS
    uses = {
        "CloseloopSlaBreachUrgent": "closeloop_sla_breaches_total",
        "CloseloopConsumerLagGrowing": "closeloop_consumer_lag",
        "CloseloopDeadLetterQueueNotEmpty": "closeloop_dlq_size",
        "CloseloopAuditChainVerificationFailed": "closeloop_audit_verify_ok == 0",
        "CloseloopServiceDown": "up{",
        "CloseloopIntakeErrorRatioHigh": "closeloop_http_requests_total",
    }
    for alert, fragment in uses.items():
        assert fragment in alerts[alert]["expr"], alert
    assert alerts["CloseloopConsumerLagGrowing"]["for"] == "10m"


def test_burn_rate_alerts_use_the_sre_workbook_windows_and_factors(
    rule_groups: list[dict[str, Any]], alerts: dict[str, dict[str, Any]]
) -> None:
    records = {r["record"]: r["expr"] for g in rule_groups for r in g["rules"] if "record" in r}
    for window in ("5m", "30m", "1h", "6h", "3d"):
        expr = records[f"closeloop:sla_clock_errors:ratio_rate{window}"]
        assert f"closeloop_sla_breaches_total[{window}]" in expr
        assert f'closeloop_sla_met_total{{outcome="on_time"}}[{window}]' in expr
    expected = {
        "CloseloopSlaErrorBudgetBurnFast": ("1h", "5m", "14.4", "page"),
        "CloseloopSlaErrorBudgetBurnMedium": ("6h", "30m", "6", "page"),
        "CloseloopSlaErrorBudgetBurnSlow": ("3d", "6h", "1", "ticket"),
    }
    for name, (long, short, factor, severity) in expected.items():
        expr = alerts[name]["expr"]
        assert f"ratio_rate{long} > ({factor} * 0.01)" in expr, name
        assert f"ratio_rate{short} > ({factor} * 0.01)" in expr, name
        assert alerts[name]["labels"]["severity"] == severity


def test_urgent_breaches_page_and_go_from_pending_to_firing_within_seconds(
    rule_groups: list[dict[str, Any]], alerts: dict[str, dict[str, Any]]
) -> None:
    (group,) = [
        g
        for g in rule_groups
        if any(r.get("alert") == "CloseloopSlaBreachUrgent" for r in g["rules"])
    ]
    assert group["interval"] == "10s"
    urgent = alerts["CloseloopSlaBreachUrgent"]
    assert urgent["for"] == "10s"
    assert urgent["labels"]["severity"] == "page"
    assert alerts["CloseloopSlaBreach"]["labels"]["severity"] == "ticket"


def test_every_alert_has_a_severity_a_summary_and_a_runbook_section(
    alerts: dict[str, dict[str, Any]], repo_root: Path
) -> None:
    runbooks = (repo_root / "docs" / "runbooks.md").read_text()
    anchors = {github_anchor(h) for h in re.findall(r"^#+ (.+)$", runbooks, flags=re.MULTILINE)}
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"page", "ticket"}, name
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["description"], name
        path, _, anchor = annotations["runbook_url"].partition("#")
        assert path == "docs/runbooks.md", name
        assert anchor == name.lower(), name
        assert anchor in anchors, f"docs/runbooks.md has no section for {name}"


def test_prometheus_configuration_template_is_valid(
    promtool: Path, tool_runner: Runner, prometheus_dir: Path
) -> None:
    result = tool_runner(promtool, "check", "config", prometheus_dir / "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    template = yaml.safe_load((prometheus_dir / "prometheus.yml").read_text())
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"] for job in template["scrape_configs"]
    }
    assert targets == {
        "intake": ["127.0.0.1:8001"],
        "routing": ["127.0.0.1:8002"],
        "sla": ["127.0.0.1:8003"],
        "feedback": ["127.0.0.1:8004"],
        "audit": ["127.0.0.1:8005"],
        "console": ["127.0.0.1:8000"],
    }


def test_template_renders_a_valid_configuration_for_other_ports(
    promtool: Path,
    tool_runner: Runner,
    prometheus_dir: Path,
    ops_module: Callable[[str], ModuleType],
    tmp_path: Path,
) -> None:
    renderer = ops_module("render_prometheus_config")
    ports = {
        "intake": 18001,
        "routing": 18002,
        "sla": 18003,
        "feedback": 18004,
        "audit": 18005,
        "console": 18000,
    }
    rendered = renderer.render_prometheus_config(
        {job: f"127.0.0.1:{port}" for job, port in ports.items()},
        alertmanager=None,
        rule_files=[str(prometheus_dir / "alerts.yml")],
        scrape_interval="1s",
        evaluation_interval="1s",
    )
    path = tmp_path / "prometheus.yml"
    path.write_text(rendered)
    result = tool_runner(promtool, "check", "config", path)
    assert result.returncode == 0, result.stdout + result.stderr
    config = yaml.safe_load(rendered)
    assert "alerting" not in config
    assert {j["job_name"]: j["static_configs"][0]["targets"] for j in config["scrape_configs"]} == {
        job: [f"127.0.0.1:{port}"] for job, port in ports.items()
    }
    with pytest.raises(KeyError, match="billing"):
        renderer.render_prometheus_config({"billing": "127.0.0.1:1"})


def test_compose_prometheus_configuration_is_generated_and_valid(
    promtool: Path,
    tool_runner: Runner,
    prometheus_dir: Path,
    ops_module: Callable[[str], ModuleType],
) -> None:
    assert ops_module("render_prometheus_config").main(["--compose", "--check"]) == 0
    result = tool_runner(promtool, "check", "config", prometheus_dir / "prometheus.compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_alertmanager_configuration_is_valid_and_pages_without_delay(
    amtool: Path, tool_runner: Runner, repo_root: Path
) -> None:
    config = repo_root / "deploy" / "alertmanager" / "alertmanager.yml"
    result = tool_runner(amtool, "check-config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    for severity, receiver in (("page", "pager"), ("ticket", "tickets")):
        routed = tool_runner(
            amtool, "config", "routes", "test", f"--config.file={config}",
            f"--verify.receivers={receiver}", f"severity={severity}",
        )  # fmt: skip
        assert routed.returncode == 0, routed.stdout + routed.stderr
    page_route = yaml.safe_load(config.read_text())["route"]["routes"][0]
    assert page_route["matchers"] == ['severity="page"']
    assert page_route["group_wait"] == "0s"


def test_a_broken_alertmanager_configuration_is_rejected(
    amtool: Path, tool_runner: Runner, repo_root: Path, tmp_path: Path
) -> None:
    text = (repo_root / "deploy" / "alertmanager" / "alertmanager.yml").read_text()
    broken = tmp_path / "alertmanager.yml"
    broken.write_text(text.replace("receiver: pager", "receiver: nobody"))
    result = tool_runner(amtool, "check-config", broken)
    assert result.returncode != 0
    assert "nobody" in result.stdout + result.stderr
