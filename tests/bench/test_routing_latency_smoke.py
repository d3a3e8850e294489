"""Routing's latency bench at tiny scale through ``python -m bench``: it starts its own broker,
database and routing process, and every complaint it sends is assigned (the full-scale
figures come from ``python -m bench --only routing_latency``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_routing_latency_scenario_assigns_every_complaint_it_sends(tmp_path: Path) -> None:
    argv = ["--only", "routing_latency", "--scale", "0.001", "--out", str(tmp_path)]
    proc = subprocess.run(
        [sys.executable, "-m", "bench", *argv],
        cwd=ROOT,
        env=os.environ | {"PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (result_file,) = tmp_path.glob("*.json")
    figures = json.loads(result_file.read_text())["routing_latency"]
    assert "error" not in figures, figures
    assert figures["sent"] == figures["rate_per_s"] * figures["seconds"] > 0
    assert figures["missing"] == 0
    assert figures["assigned"] == figures["sent"]
    assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
    assert figures["routing_decision_mean_ms"] is not None
