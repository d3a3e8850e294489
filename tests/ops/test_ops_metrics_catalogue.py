"""docs/metrics.md catalogues every metric with bounded labels: the metrics the services
register match it, no label is an identifier, and the alert rules and dashboards use only
catalogued series."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

# The metric names agreed for the services (the shared ones exist in
# shared/src/closeloop_shared/observability/metrics.py).
REQUIRED = {
    "closeloop_http_requests_total", "closeloop_http_request_duration_seconds",
    "closeloop_consumer_messages_total", "closeloop_consumer_handle_seconds",
    "closeloop_consumer_lag", "closeloop_dead_letters_total", "closeloop_outbox_pending",
    "closeloop_complaints_received_total", "closeloop_complaints_open",
    "closeloop_complaint_actions_total", "closeloop_routing_decisions_total",
    "closeloop_routing_escalations_total", "closeloop_routing_decision_seconds",
    "closeloop_sla_breaches_total", "closeloop_sla_warnings_total", "closeloop_sla_clocks_open",
    "closeloop_sla_detection_lag_seconds", "closeloop_sla_met_total",
    "closeloop_sla_compliance_ratio", "closeloop_sla_time_to_first_response_working_seconds",
    "closeloop_sla_time_to_resolution_working_seconds", "closeloop_notifications_total",
    "closeloop_surveys_total", "closeloop_csat_ratio", "closeloop_audit_entries_total",
    "closeloop_audit_chain_length", "closeloop_audit_verify_ok",
    "closeloop_audit_checkpoints_total", "closeloop_dlq_size",
}  # fmt: skip
# Label names that would carry an identifier, a name or free text.
FORBIDDEN_LABEL = re.compile(
    r"(^|_)(id|ids|uuid|name|email|e_mail|phone|address|customer|user|agent|subject|text|"
    r"message|comment|body|content|path|url|ip)($|_)"
)
REGISTERED_SCRIPT = """
import importlib, json, sys
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase
importlib.import_module("closeloop_shared.observability.metrics")
if sys.argv[1] != "shared":
    importlib.import_module(f"closeloop_{sys.argv[1]}.metrics")
found = {}
for collector in list(REGISTRY._collector_to_names):
    if isinstance(collector, MetricWrapperBase) and collector._name.startswith("closeloop_"):
        suffix = "_total" if collector._type == "counter" else ""
        found[collector._name + suffix] = [collector._type, list(collector._labelnames)]
print(json.dumps(found))
"""


@dataclass(frozen=True)
class Entry:
    """One row of the catalogue."""

    name: str
    kind: str
    labels: tuple[str, ...]


@pytest.fixture(scope="module")
def catalogue(repo_root: Path) -> dict[str, Entry]:
    entries: dict[str, Entry] = {}
    for line in (repo_root / "docs" / "metrics.md").read_text().splitlines():
        match = re.match(r"\|\s*`(closeloop_[a-z0-9_]+)`\s*\|\s*(\w+)\s*\|([^|]*)\|", line)
        if match:
            name, kind, labels = match.groups()
            assert name not in entries, f"{name} listed twice"
            entries[name] = Entry(name, kind, tuple(re.findall(r"`([a-z_]+)`:", labels)))
    return entries


def test_catalogue_lists_every_agreed_metric_with_a_type(catalogue: dict[str, Entry]) -> None:
    assert set(catalogue) >= REQUIRED
    for entry in catalogue.values():
        assert entry.kind in {"counter", "gauge", "histogram"}, entry
        assert entry.name.endswith("_total") == (entry.kind == "counter"), entry


def test_no_label_carries_an_identifier_a_name_or_free_text(catalogue: dict[str, Entry]) -> None:
    for entry in catalogue.values():
        for label in entry.labels:
            assert not FORBIDDEN_LABEL.search(label), f"{entry.name}{{{label}}}"


@pytest.mark.parametrize(
    "package", ["shared", "intake", "routing", "sla", "feedback", "audit", "console"]
)
def test_registered_metrics_match_the_catalogue(
    catalogue: dict[str, Entry], repo_root: Path, package: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", REGISTERED_SCRIPT, package],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo_root,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    registered: dict[str, tuple[str, list[str]]] = {
        name: (str(kind), [str(label) for label in labels])
        for name, (kind, labels) in json.loads(result.stdout).items()
    }
    assert registered, "no closeloop_* metric registered"
    for name, (kind, labels) in registered.items():
        assert name in catalogue, f"{name} is not in docs/metrics.md"
        assert catalogue[name].kind == kind, name
        assert sorted(catalogue[name].labels) == sorted(labels), name
        for label in labels:
            assert not FORBIDDEN_LABEL.search(label), f"{name}{{{label}}}"


def series_used(expression: str) -> set[str]:
    """The closeloop series named in a PromQL expression (histogram suffixes removed)."""
    names = set(re.findall(r"\b(closeloop(?:_|:)[a-z0-9_:]+)", expression))
    return {re.sub(r"_(bucket|sum|count)$", "", name) for name in names}


def test_alert_rules_and_dashboards_use_only_catalogued_series(
    catalogue: dict[str, Entry], repo_root: Path
) -> None:
    groups = yaml.safe_load((repo_root / "deploy/prometheus/alerts.yml").read_text())["groups"]
    recorded = {r["record"] for g in groups for r in g["rules"] if "record" in r}
    known = set(catalogue) | recorded
    documented = (repo_root / "docs" / "metrics.md").read_text()
    assert all(f"`{record}`" in documented for record in recorded)
    expressions = [r["expr"] for g in groups for r in g["rules"]]
    for path in sorted((repo_root / "deploy/grafana/dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        expressions += [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    unknown = set().union(*(series_used(e) for e in expressions)) - known
    assert unknown == set()


def test_the_catalogue_check_notices_an_uncatalogued_series(catalogue: dict[str, Entry]) -> None:
    expression = "sum(rate(closeloop_sla_breaches_total[5m])) + closeloop_complaint_ids_total"
    assert series_used(expression) - set(catalogue) == {"closeloop_complaint_ids_total"}
    assert FORBIDDEN_LABEL.search("complaint_id") and FORBIDDEN_LABEL.search("agent_name")
    assert not FORBIDDEN_LABEL.search("status")
