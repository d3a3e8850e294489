"""The orchestrator: infrastructure plus (fake) services, readiness, restarts, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from closeloop_devstack.process import free_port, port_is_free
from closeloop_devstack.service import SERVICES, port_variable
from closeloop_devstack.stack import Stack, StackConfig

pytestmark = pytest.mark.integration

FAKE_SERVICE = Path(__file__).with_name("devstack_fake_service.py")


def _environment(run_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "CLOSELOOP_RUN_DIR": str(run_dir),
            "CLOSELOOP_KAFKA_PORT": str(free_port()),
            "CLOSELOOP_MONGO_PORT": str(free_port()),
            "CLOSELOOP_SMTP_SINK_PORT": str(free_port()),
            "CLOSELOOP_SMTP_SINK_HTTP_PORT": str(free_port()),
            "CLOSELOOP_SERVICE_CMD_TEMPLATE": f"{{python}} {FAKE_SERVICE} {{name}}",
        }
    )
    env.update({port_variable(name): str(free_port()) for name in SERVICES})
    return env


def _service_env(url: str) -> dict[str, str]:
    with urllib.request.urlopen(f"{url}/env", timeout=5) as reply:
        env: dict[str, str] = json.loads(reply.read())["env"]
        return env


def test_devstack_stack_starts_infra_and_services_and_stops_cleanly(tmp_path: Path) -> None:
    config = StackConfig.with_free_ports(
        tmp_path / "run",
        services=["intake", "sla"],
        service_command=f"{{python}} {FAKE_SERVICE} {{name}}",
    )
    stack = Stack(config)
    try:
        timings = stack.start(timeout=120)
        assert set(timings) == {"kafka", "mongo", "smtp-sink", "intake", "sla"}
        seen = _service_env(stack.services["sla"].url)
        assert seen["CLOSELOOP_KAFKA_BOOTSTRAP"] == stack.kafka.bootstrap
        assert seen["CLOSELOOP_MONGO_URI"] == stack.mongo.uri
        assert seen["CLOSELOOP_SMTP_PORT"] == str(stack.smtp_sink.port)
        assert seen["CLOSELOOP_INTAKE_PORT"] == str(stack.services["intake"].port)
        assert seen["CLOSELOOP_ENV"] in {"development", os.environ.get("CLOSELOOP_ENV")}

        old_pid = stack.services["intake"].pid
        stack.kill("intake")
        assert not stack.services["intake"].is_running()
        stack.restart("intake", timeout=30)
        assert stack.services["intake"].pid != old_pid
        assert _service_env(stack.services["intake"].url)["CLOSELOOP_INTAKE_PORT"]
    finally:
        stack.stop()
    assert not any(stack.component(name).is_running() for name in stack.log_files())
    ports = [stack.kafka.port, stack.mongo.port, stack.smtp_sink.port, stack.smtp_sink.http_port]
    assert all(port_is_free(port) for port in ports)
    assert (tmp_path / "run" / "logs" / "intake.log").read_text().count("listening on") == 2


def _run_devstack(env: dict[str, str]) -> subprocess.Popen[str]:
    """`python -m closeloop_devstack run` with intake and audit, output on one pipe."""
    return subprocess.Popen(
        [sys.executable, "-m", "closeloop_devstack", "run", "--services", "intake,audit"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_devstack_run_command_reports_ready_and_stops_on_sigterm(tmp_path: Path) -> None:
    env = _environment(tmp_path / "run")
    env["FAKE_SERVICE_FAIL"] = "audit"
    proc = _run_devstack(env)
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    try:
        for line in proc.stdout:
            lines.append(line.rstrip())
            if "services ready in" in line or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines += rest.splitlines()
    output = "\n".join(lines)
    assert proc.returncode == 0, output
    assert "1 of 2 services ready" in output and "FAILED: audit" in output
    assert "service audit EXITED with status 3" in output
    assert "audit: configured to fail" in output
    assert any(line.startswith("intake") and "listening on" in line for line in lines)
    assert "intake: SIGTERM, shutting down" in output
    assert lines[-1] == "devstack  | stopped", output
    assert (tmp_path / "run" / "logs" / "kafka.log").is_file()
    assert port_is_free(int(env["CLOSELOOP_KAFKA_PORT"]))


def test_devstack_signalled_again_while_stopping_kills_everything_and_exits(
    tmp_path: Path,
) -> None:
    """A second SIGTERM during the graceful stop (uv and the devstack both signalled)
    SIGKILLs what is left instead of hanging with half the services still running."""
    env = _environment(tmp_path / "run")
    proc = _run_devstack(env)
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        for line in proc.stdout:
            lines.append(line.rstrip())
            if "services ready in" in line:
                proc.send_signal(signal.SIGTERM)
            if "stopping: services" in line:
                proc.send_signal(signal.SIGTERM)
                break
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    lines += rest.splitlines()
    output = "\n".join(lines)
    assert proc.returncode == 0, output
    assert "killed everything (signalled again while stopping)" in output
    assert lines[-1] == "devstack  | stopped", output
    names = ["KAFKA", "MONGO", "SMTP_SINK", "SMTP_SINK_HTTP"]
    ports = [int(env[f"CLOSELOOP_{name}_PORT"]) for name in names]
    ports += [int(env[port_variable(name)]) for name in ("intake", "audit")]
    assert all(port_is_free(port) for port in ports), output
