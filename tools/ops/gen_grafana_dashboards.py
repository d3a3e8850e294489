"""Generate the Grafana dashboards (deploy/grafana/dashboards/*.json) with
grafana-foundation-sdk's builders.

Three dashboards, provisioned by docker compose (deploy/grafana/provisioning): the SLA
overview, the pipeline health and CSAT. The panel lists below say what each shows; the SDK
builds the JSON (panel options, defaults, layout), so it loads in the SDK's strict decoder
(tools/grafana-strict, tests/ops/test_ops_grafana.py). Run
``uv run python tools/ops/gen_grafana_dashboards.py`` after editing, or
with ``--check`` to fail when a committed dashboard is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders import bargauge, common, prometheus, stat, timeseries
from grafana_foundation_sdk.builders import dashboard as sdk_dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common as common_models
from grafana_foundation_sdk.models import dashboard as sdk_models

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPO_ROOT / "deploy" / "grafana" / "dashboards"
# provisioning/datasources
DATASOURCE = sdk_models.DataSourceRef(type_val="prometheus", uid="prometheus")
SERVICES = 'job=~"intake|routing|sla|feedback|audit"'
API_ROUTES = 'route!~"/healthz|/readyz|/metrics"'


PanelBuilder = timeseries.Panel | stat.Panel | bargauge.Panel


@dataclass(frozen=True)
class Query:
    """One PromQL query of a panel and its legend."""

    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    """A panel: kind is ``timeseries``, ``stat``, ``bargauge`` or ``row``."""

    title: str
    kind: str
    queries: tuple[Query, ...] = ()
    unit: str = "short"
    width: int = 12
    height: int = 8
    description: str = ""
    thresholds: tuple[tuple[float | None, str], ...] = ()  # (from value, colour)
    minimum: float | None = None
    maximum: float | None = None


def _thresholds(panel: Panel) -> sdk_dashboard.ThresholdsConfig:
    steps = [sdk_models.Threshold(value=value, color=colour) for value, colour in panel.thresholds]
    return sdk_dashboard.ThresholdsConfig().mode(sdk_models.ThresholdsMode.ABSOLUTE).steps(steps)


def _last_value() -> common.ReduceDataOptions:
    return common.ReduceDataOptions().calcs(["lastNotNull"]).fields("").values(False)


def _visualisation(panel: Panel) -> PanelBuilder:
    """The SDK's builder of ``panel.kind`` with the options that kind needs."""
    if panel.kind == "timeseries":
        legend = (
            common.VizLegendOptions()
            .display_mode(common_models.LegendDisplayMode.LIST)
            .placement(common_models.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        return timeseries.Panel().legend(legend)
    if panel.kind == "stat":
        return stat.Panel().reduce_options(_last_value())
    if panel.kind == "bargauge":
        return bargauge.Panel().reduce_options(_last_value())
    raise ValueError(f"unknown panel kind {panel.kind!r}")


def _panel(panel: Panel, panel_id: int) -> PanelBuilder:
    builder = (
        _visualisation(panel)
        .id(panel_id)
        .title(panel.title)
        .description(panel.description)
        .datasource(DATASOURCE)
        .span(panel.width)
        .height(panel.height)
        .unit(panel.unit)
    )
    for index, query in enumerate(panel.queries):
        builder = builder.with_target(
            prometheus.Dataquery()
            .ref_id(chr(ord("A") + index))
            .datasource(DATASOURCE)
            .expr(query.expr)
            .legend_format(query.legend)
        )
    if panel.minimum is not None:
        builder = builder.min(panel.minimum)
    if panel.maximum is not None:
        builder = builder.max(panel.maximum)
    if panel.thresholds:
        builder = builder.thresholds(_thresholds(panel))
    return builder


def dashboard(uid: str, title: str, description: str, panels: list[Panel]) -> dict[str, Any]:
    """The dashboard as JSON, laid out by the SDK left to right, top to bottom."""
    board = (
        sdk_dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["closeloop"])
        .timezone("browser")
        .readonly()
        .tooltip(sdk_models.DashboardCursorSync.CROSSHAIR)
        .refresh("30s")
        .time("now-6h", "now")
    )
    for panel_id, panel in enumerate(panels, start=1):
        if panel.kind == "row":
            board = board.with_row(sdk_dashboard.Row(panel.title).id(panel_id))
        else:
            board = board.with_panel(_panel(panel, panel_id))
    encoded: dict[str, Any] = json.loads(json.dumps(board.build(), cls=JSONEncoder))
    return encoded


RATE = "$__rate_interval"
GREEN, AMBER, RED = "green", "orange", "red"

SLA_OVERVIEW = dashboard(
    "closeloop-sla-overview",
    "Closeloop / SLA overview",
    "SLA compliance (objective: 99% of clocks met on time), breaches, warnings and timings.",
    [
        Panel(
            "On-time ratio (1h)",
            "stat",
            (Query("1 - closeloop:sla_clock_errors:ratio_rate1h"),),
            unit="percentunit",
            width=6,
            height=5,
            thresholds=((None, RED), (0.95, AMBER), (0.99, GREEN)),
            description="Share of SLA clocks that ended on time over the last hour (SLO: 99%).",
        ),
        Panel(
            "Error budget burn rate (1h)",
            "stat",
            (Query("closeloop:sla_clock_errors:ratio_rate1h / 0.01"),),
            unit="x",
            width=6,
            height=5,
            thresholds=((None, GREEN), (1, AMBER), (6, RED)),
            description="1 = spending the 1% budget exactly as fast as it accrues; 14.4 pages.",
        ),
        Panel(
            "Breaches (24h)",
            "stat",
            (Query("sum(increase(closeloop_sla_breaches_total[24h]))"),),
            width=6,
            height=5,
            thresholds=((None, GREEN), (1, RED)),
        ),
        Panel(
            "Open clocks",
            "stat",
            (Query("sum by (state) (closeloop_sla_clocks_open)", "{{state}}"),),
            width=6,
            height=5,
        ),
        Panel(
            "Breaches by clock",
            "timeseries",
            (Query(f"sum by (clock) (rate(closeloop_sla_breaches_total[{RATE}]))", "{{clock}}"),),
            unit="ops",
        ),
        Panel(
            "Breaches by complaint severity",
            "timeseries",
            (
                Query(
                    f"sum by (severity) (rate(closeloop_sla_breaches_total[{RATE}]))",
                    "{{severity}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Warnings by clock",
            "timeseries",
            (Query(f"sum by (clock) (rate(closeloop_sla_warnings_total[{RATE}]))", "{{clock}}"),),
            unit="ops",
        ),
        Panel(
            "Clocks met, on time vs late",
            "timeseries",
            (
                Query(
                    f"sum by (outcome) (rate(closeloop_sla_met_total[{RATE}]))",
                    "{{outcome}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Compliance by clock",
            "bargauge",
            (Query("min by (clock) (closeloop_sla_compliance_ratio)", "{{clock}}"),),
            unit="percentunit",
            minimum=0,
            maximum=1,
            thresholds=((None, RED), (0.95, AMBER), (0.99, GREEN)),
        ),
        Panel(
            "Error ratio by window",
            "timeseries",
            (
                Query("closeloop:sla_clock_errors:ratio_rate5m", "5m"),
                Query("closeloop:sla_clock_errors:ratio_rate1h", "1h"),
                Query("closeloop:sla_clock_errors:ratio_rate6h", "6h"),
                Query("closeloop:sla_clock_errors:ratio_rate3d", "3d"),
            ),
            unit="percentunit",
        ),
        Panel(
            "Breach detection lag (target: 1s)",
            "timeseries",
            (
                Query(
                    "histogram_quantile(0.5, sum by (le) "
                    f"(rate(closeloop_sla_detection_lag_seconds_bucket[{RATE}])))",
                    "p50",
                ),
                Query(
                    "histogram_quantile(0.99, sum by (le) "
                    f"(rate(closeloop_sla_detection_lag_seconds_bucket[{RATE}])))",
                    "p99",
                ),
            ),
            unit="s",
        ),
        Panel(
            "Time to first response / resolution (working time, p90)",
            "timeseries",
            (
                Query(
                    "histogram_quantile(0.9, sum by (le) (rate("
                    f"closeloop_sla_time_to_first_response_working_seconds_bucket[{RATE}])))",
                    "first response",
                ),
                Query(
                    "histogram_quantile(0.9, sum by (le) (rate("
                    f"closeloop_sla_time_to_resolution_working_seconds_bucket[{RATE}])))",
                    "resolution",
                ),
            ),
            unit="s",
        ),
    ],
)

PIPELINE_HEALTH = dashboard(
    "closeloop-pipeline-health",
    "Closeloop / Pipeline health",
    "Services up, HTTP RED, Kafka consumers (lag, outcomes, dead letters), outbox and audit.",
    [
        Panel("Services", "row"),
        Panel(
            "Up",
            "stat",
            (Query(f"up{{{SERVICES}}}", "{{job}} {{instance}}"),),
            width=24,
            height=4,
            thresholds=((None, RED), (1, GREEN)),
        ),
        Panel(
            "HTTP requests by service and status",
            "timeseries",
            (
                Query(
                    f"sum by (job, status) (rate(closeloop_http_requests_total{{{API_ROUTES}}}"
                    f"[{RATE}]))",
                    "{{job}} {{status}}",
                ),
            ),
            unit="reqps",
        ),
        Panel(
            "HTTP latency p95 by service",
            "timeseries",
            (
                Query(
                    "histogram_quantile(0.95, sum by (job, le) (rate("
                    f"closeloop_http_request_duration_seconds_bucket{{{API_ROUTES}}}[{RATE}])))",
                    "{{job}}",
                ),
            ),
            unit="s",
        ),
        Panel(
            "Intake 5xx ratio",
            "timeseries",
            (
                Query(
                    "sum(rate(closeloop_http_requests_total"
                    f'{{job="intake", status=~"5..", {API_ROUTES}}}[{RATE}])) / '
                    "sum(rate(closeloop_http_requests_total"
                    f'{{job="intake", {API_ROUTES}}}[{RATE}]))',
                    "5xx",
                ),
            ),
            unit="percentunit",
        ),
        Panel(
            "Complaints received by channel",
            "timeseries",
            (
                Query(
                    f"sum by (channel) (rate(closeloop_complaints_received_total[{RATE}]))",
                    "{{channel}}",
                ),
            ),
            unit="ops",
        ),
        Panel("Kafka consumers", "row"),
        Panel(
            "Consumer lag by group and topic",
            "timeseries",
            (Query("sum by (group, topic) (closeloop_consumer_lag)", "{{group}} {{topic}}"),),
        ),
        Panel(
            "Records handled by outcome",
            "timeseries",
            (
                Query(
                    f"sum by (group, outcome) (rate(closeloop_consumer_messages_total[{RATE}]))",
                    "{{group}} {{outcome}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Handle time p95 by group",
            "timeseries",
            (
                Query(
                    "histogram_quantile(0.95, sum by (group, le) "
                    f"(rate(closeloop_consumer_handle_seconds_bucket[{RATE}])))",
                    "{{group}}",
                ),
            ),
            unit="s",
        ),
        Panel(
            "Dead-letter topics (records held)",
            "bargauge",
            (Query("max by (topic) (closeloop_dlq_size)", "{{topic}}"),),
            thresholds=((None, GREEN), (1, RED)),
        ),
        Panel(
            "Dead letters sent (1h)",
            "timeseries",
            (
                Query(
                    "sum by (job, topic) (increase(closeloop_dead_letters_total[1h]))",
                    "{{job}} {{topic}}",
                ),
            ),
        ),
        Panel(
            "Outbox pending",
            "timeseries",
            (Query("sum by (job) (closeloop_outbox_pending)", "{{job}}"),),
        ),
        Panel("Routing and audit", "row"),
        Panel(
            "Routing decisions by outcome",
            "timeseries",
            (
                Query(
                    f"sum by (outcome) (rate(closeloop_routing_decisions_total[{RATE}]))",
                    "{{outcome}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Escalations by level and trigger",
            "timeseries",
            (
                Query(
                    f"sum by (level, trigger) (rate(closeloop_routing_escalations_total[{RATE}]))",
                    "level {{level}} {{trigger}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Audit chain verified",
            "stat",
            (Query("min(closeloop_audit_verify_ok)"),),
            width=6,
            thresholds=((None, RED), (1, GREEN)),
        ),
        Panel(
            "Audit chain length",
            "stat",
            (Query("max(closeloop_audit_chain_length)"),),
            width=6,
        ),
        Panel(
            "Audit entries and checkpoints",
            "timeseries",
            (
                Query(f"sum(rate(closeloop_audit_entries_total[{RATE}]))", "entries"),
                Query(f"sum(rate(closeloop_audit_checkpoints_total[{RATE}]))", "checkpoints"),
            ),
            unit="ops",
        ),
    ],
)

CSAT = dashboard(
    "closeloop-csat",
    "Closeloop / Customer satisfaction",
    "Satisfaction callbacks (target: 90% satisfied), survey funnel and customer notifications.",
    [
        Panel(
            "CSAT",
            "stat",
            (Query("avg(closeloop_csat_ratio)"),),
            unit="percentunit",
            width=8,
            height=5,
            thresholds=((None, RED), (0.85, AMBER), (0.9, GREEN)),
            description="Satisfied share of answered surveys (requirement R6: at least 90%).",
        ),
        Panel(
            "Survey response rate (7d)",
            "stat",
            (
                Query(
                    'sum(increase(closeloop_surveys_total{outcome="answered"}[7d])) / '
                    'sum(increase(closeloop_surveys_total{outcome="sent"}[7d]))'
                ),
            ),
            unit="percentunit",
            width=8,
            height=5,
        ),
        Panel(
            "Dissatisfied customers (7d)",
            "stat",
            (Query('sum(increase(closeloop_surveys_total{outcome="dissatisfied"}[7d]))'),),
            width=8,
            height=5,
            thresholds=((None, GREEN), (1, AMBER)),
        ),
        Panel(
            "CSAT over time",
            "timeseries",
            (Query("avg(closeloop_csat_ratio)", "CSAT"),),
            unit="percentunit",
            minimum=0,
            maximum=1,
            width=24,
        ),
        Panel(
            "Surveys by outcome",
            "timeseries",
            (
                Query(
                    f"sum by (outcome) (rate(closeloop_surveys_total[{RATE}]))",
                    "{{outcome}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Notifications by channel and result",
            "timeseries",
            (
                Query(
                    f"sum by (channel, result) (rate(closeloop_notifications_total[{RATE}]))",
                    "{{channel}} {{result}}",
                ),
            ),
            unit="ops",
        ),
        Panel(
            "Notifications by template (24h)",
            "bargauge",
            (
                Query(
                    "sum by (template) (increase(closeloop_notifications_total[24h]))",
                    "{{template}}",
                ),
            ),
            width=24,
        ),
    ],
)

DASHBOARDS: dict[str, dict[str, Any]] = {
    "sla-overview.json": SLA_OVERVIEW,
    "pipeline-health.json": PIPELINE_HEALTH,
    "csat.json": CSAT,
}


def render(dashboard_json: dict[str, Any]) -> str:
    """The dashboard as committed: indented JSON with a trailing newline."""
    return json.dumps(dashboard_json, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the dashboards, or with ``--check`` report whether the committed ones are current."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a dashboard is stale")
    args = parser.parse_args(argv)
    stale = 0
    for name, content in DASHBOARDS.items():
        path, text = OUTPUT_DIR / name, render(content)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is stale: run tools/ops/gen_grafana_dashboards.py", file=sys.stderr)
                stale += 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
