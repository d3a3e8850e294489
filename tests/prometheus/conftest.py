"""Fixtures of the real-Prometheus tests: the whole Closeloop stack as real processes on free
ports, and a real Prometheus (Debian's ``prometheus`` package, installed by
``tools/ops/install_tools.sh``) scraping it every second, configured from the repository's
template (tools/ops/render_prometheus_config.py) and alert rules (deploy/prometheus/alerts.yml).

The rules are the committed ones with ONE change: the breach group is evaluated every 2 s
instead of 10 s (expressions, ``for: 10s``, labels and annotations untouched). Prometheus
writes no ``ALERTS`` samples for a group until it has restored its ``for`` state after the
group's second evaluation; at 10 s that is 20 s of waiting per run, at 2 s it is 4 s.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from closeloop_devstack.process import DevstackError, ManagedProcess, free_port, wait_until
from closeloop_devstack.stack import Stack, StackConfig

REPO_ROOT = Path(__file__).resolve().parents[2]
ALERT_RULES = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"
RENDERER = REPO_ROOT / "tools" / "ops" / "render_prometheus_config.py"
INSTALL_HINT = "install it with `bash tools/ops/install_tools.sh` (make tools)"
BREACH_GROUP = "closeloop-sla-breaches"
BREACH_GROUP_INTERVAL = "2s"


def load_renderer() -> ModuleType:
    """tools/ops/render_prometheus_config.py, loaded by path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("render_prometheus_config", RENDERER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def quick_rules(home: Path) -> Path:
    """A copy of alerts.yml in ``home`` whose breach group is evaluated every 2 s."""
    rules = yaml.safe_load(ALERT_RULES.read_text(encoding="utf-8"))
    [group] = [g for g in rules["groups"] if g["name"] == BREACH_GROUP]
    group["interval"] = BREACH_GROUP_INTERVAL
    copy = home / "alerts.yml"
    copy.write_text(yaml.safe_dump(rules, sort_keys=False), encoding="utf-8")
    return copy


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=2) as reply:
        return json.loads(reply.read())


def wait_breach_group_restored(base: str, *, timeout: float, proc: ManagedProcess) -> None:
    """Wait for three evaluations of the breach group: Prometheus restores ``for`` state after
    the second one, and only then writes ``ALERTS`` samples."""
    seen: set[str] = set()

    def evaluated_thrice() -> bool:
        rules = _get_json(f"{base}/api/v1/rules?type=alert")["data"]["groups"]
        [group] = [g for g in rules if g["name"] == BREACH_GROUP]
        assert group["interval"] == 2, group["interval"]  # the quick copy is the one loaded
        seen.add(str(group["lastEvaluation"]))
        return len(seen - {"0001-01-01T00:00:00Z"}) >= 3

    wait_until(evaluated_thrice, timeout=timeout, proc=proc, what="3 rule evaluations")


def _answers_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return bool(reply.status == 200)
    except (OSError, urllib.error.URLError):
        return False


@dataclass
class PrometheusServer:
    """A running Prometheus and its HTTP API."""

    process: ManagedProcess
    port: int

    @property
    def url(self) -> str:
        """Base URL of the HTTP API."""
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        """The end of Prometheus's log (for failure messages)."""
        return self.process.log_tail(lines)

    def stop(self) -> None:
        """SIGTERM, SIGKILL after 15 s."""
        self.process.stop(timeout=15)


def start_prometheus(
    home: Path, targets: Mapping[str, str], *, interval: str = "1s", timeout: float = 60.0
) -> PrometheusServer:
    """Start Prometheus in ``home`` scraping ``targets`` (job → host:port) every
    ``interval`` with the alert rules (:func:`quick_rules`); wait until it writes ALERTS."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise DevstackError(f"`prometheus` is not installed: {INSTALL_HINT}")
    rendered = load_renderer().render_prometheus_config(
        targets,
        alertmanager=None,
        rule_files=[str(quick_rules(home))],
        scrape_interval=interval,
        evaluation_interval=interval,
    )
    config_file = home / "prometheus.yml"
    config_file.write_text(rendered, encoding="utf-8")
    port = free_port()
    argv = [
        binary,
        f"--config.file={config_file}",
        f"--storage.tsdb.path={home / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]
    process = ManagedProcess("prometheus", argv, home / "prometheus.log")
    process.spawn()
    try:
        wait_until(
            lambda: _answers_ok(f"http://127.0.0.1:{port}/-/ready"),
            timeout=timeout,
            proc=process,
            what="GET /-/ready == 200",
            interval=0.2,
        )
        wait_breach_group_restored(f"http://127.0.0.1:{port}", timeout=timeout, proc=process)
    except BaseException:
        process.stop(timeout=15)
        raise
    return PrometheusServer(process, port)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Kafka, SecantusDB, the SMTP sink and the five services, on free ports."""
    if shutil.which("prometheus") is None:  # fail before the slow stack start
        pytest.fail(f"`prometheus` is not installed: {INSTALL_HINT}", pytrace=False)
    run_dir = tmp_path_factory.mktemp("prometheus-stack")
    config = StackConfig.with_free_ports(run_dir)
    feedback_port = config.service_ports["feedback"]
    config.base_env.update(
        {
            "CLOSELOOP_ENV": "development",
            "CLOSELOOP_TOPIC_PARTITIONS": "3",  # routing needs >= CLOSELOOP_ROUTING_CONSUMERS
            # Without it intake's mail listener reads CLOSELOOP_SMTP_PORT, the sink's port.
            "CLOSELOOP_INTAKE_SMTP_PORT": str(free_port()),
            "CLOSELOOP_SLA_DATA_DIR": str(run_dir / "sla-data"),  # never `make run`'s tables
            "CLOSELOOP_FEEDBACK_PUBLIC_URL": f"http://127.0.0.1:{feedback_port}",
        }
    )
    running = Stack(config, say=lambda text: print(f"[prometheus stack] {text}"))
    running.start(timeout=180)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def prometheus(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PrometheusServer]:
    """A real Prometheus scraping every service of ``stack``; always stopped afterwards."""
    targets = {name: f"127.0.0.1:{port}" for name, port in stack.config.service_ports.items()}
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"), targets)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def prometheus_url(prometheus: PrometheusServer) -> str:
    """Base URL of the Prometheus HTTP API."""
    return prometheus.url
