"""tools/demo/sla_figure.py: the README picture is drawn from what a run measured, and a
scenario that did not run is shown as such instead of a made-up bar."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

FIGURE_TOOL = Path(__file__).resolve().parents[2] / "tools" / "demo" / "sla_figure.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def figure() -> ModuleType:
    """tools/demo/sla_figure.py, loaded by path (tools/ is not a package)."""
    spec = importlib.util.spec_from_file_location("sla_figure", FIGURE_TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def bench_results() -> dict[str, Any]:
    lag = {"n": 900, "p50_ms": 40.0, "p99_ms": 220.0, "max_ms": 400.0}
    return {
        "started_at": "2026-11-22T22:00:00+00:00",
        "scale": 0.001,
        "machine": {"cores": 2},
        "sla": {
            "clocks": 1000,
            "rate_per_s": 1000.0,
            "lag_engine": lag,
            "lag_end_to_end": lag | {"p99_ms": 260.0},
            "recovery": {
                "killed_at": 0.3,
                "restarted_at": 10.3,
                "caught_up_at": 17.0,
                "ready_after_s": 3.7,
                "caught_up_after_s": 6.7,
                "backlog_breaches": 684,
            },
            "breaches": {"expected": 1000, "received": 1000, "missing": 0},
            "worker_peak_rss_mib": 112.7,
        },
        "polling": {
            "fastest_interval": {"p50_ms": 900.0, "p99_ms": 2100.0, "db_cpu_s_per_min": 36.0},
            "peer_5min_interval": {"p50_ms": 150_000.0, "p99_ms": 297_000.0},
        },
        "end_to_end": {
            f"load_{pct}pct": {"rate": pct / 2, "p50_ms": 30.0 + pct, "p99_ms": 90.0 + pct}
            for pct in (25, 50, 90)
        },
    }


def demo_export(origin: float = 1_800_000_000.0) -> dict[str, Any]:
    def series(start: int, end: int, value: float = 1.0) -> list[list[float]]:
        return [[origin + t, value] for t in range(start, end)]

    return {
        "alert": "CloseloopSlaBreachUrgent",
        "moments": {
            "registered": origin,
            "deadline": origin + 3,
            "pending": origin + 10,
            "firing": origin + 20,
        },
        "breaches_by_severity": {"urgent": series(-5, 4, 0.0) + series(4, 25)},
        "detection_lag_buckets": {"0.01": 0.0, "0.025": 1.0, "0.05": 1.0, "+Inf": 1.0},
    }


def test_detection_lag_rows_carry_the_measured_percentiles_in_order(figure: ModuleType) -> None:
    rows = figure.lag_rows(bench_results())
    assert [(p50, p99) for _label, p50, p99, _colour in rows] == [
        (40.0, 220.0),
        (40.0, 260.0),
        (900.0, 2100.0),
        (150_000.0, 297_000.0),
    ]


def test_the_detection_lag_bound_is_the_first_bucket_holding_every_breach(
    figure: ModuleType,
) -> None:
    assert figure.lag_bound({"0.01": 0.0, "0.025": 1.0, "0.05": 1.0, "+Inf": 1.0}) == 0.025
    assert figure.lag_bound({"0.5": 1.0, "1": 1.0, "+Inf": 2.0}) is None  # one beyond 1 s
    assert figure.lag_bound({}) is None


def test_a_steady_state_sla_run_replaces_the_bench_lag_but_not_the_polling_baseline(
    figure: ModuleType,
) -> None:
    steady = {"lag_engine": {"p50_ms": 20.0, "p99_ms": 90.0}, "lag_end_to_end": {"p99_ms": 95.0}}
    rows = figure.lag_rows(bench_results(), steady)
    assert [(p50, p99) for _label, p50, p99, _colour in rows] == [
        (20.0, 90.0),
        (None, 95.0),
        (900.0, 2100.0),
        (150_000.0, 297_000.0),
    ]
    assert "DB CPU 36 s per minute" in rows[2][0]  # polling's speed has a cost, shown


def test_a_scenario_that_failed_has_no_numbers(figure: ModuleType) -> None:
    results = bench_results() | {"polling": {"error": "TimeoutError: db down"}}
    rows = figure.lag_rows(results)
    assert [(p50, p99) for _label, p50, p99, _colour in rows[2:]] == [(None, None), (None, None)]


def test_renders_a_png_from_a_bench_file_a_steady_sla_run_and_a_prometheus_demo(
    figure: ModuleType, tmp_path: Path
) -> None:
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps(bench_results()), encoding="utf-8")
    demo = tmp_path / "demo.json"
    demo.write_text(json.dumps(demo_export()), encoding="utf-8")
    steady = tmp_path / "steady.json"
    steady.write_text(json.dumps({"lag_engine": {"p50_ms": 20.0, "p99_ms": 90.0}}))
    out = tmp_path / "img" / "sla.png"
    argv = [str(bench), "--sla", str(steady), "--demo", str(demo), "--out", str(out)]
    assert figure.main(argv) == 0
    with_demo = out.read_bytes()
    assert with_demo.startswith(PNG_SIGNATURE)
    figure.main([str(bench), "--out", str(out)])
    without_demo = out.read_bytes()
    assert without_demo.startswith(PNG_SIGNATURE)
    assert len(without_demo) < len(with_demo)  # one panel fewer


def test_renders_even_when_every_scenario_failed(figure: ModuleType, tmp_path: Path) -> None:
    failed = {"sla": {"error": "x"}, "end_to_end": {"error": "y"}}
    out = figure.render(failed, None, tmp_path / "f.png")
    assert out.read_bytes().startswith(PNG_SIGNATURE)
