"""``python -m bench`` (``make bench``): every scenario in one run, on this machine.

Writes ``bench/results/<date>.json`` and ``bench/results/<date>.md``. ``--scale`` shrinks
every scenario (CI's smoke test runs ``--scale 0.001``). A failing scenario is recorded
with its error and the run goes on.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    console_pages,
    end_to_end,
    intake_throughput,
    machine,
    mongo_ceiling,
    pipeline,
    polling_baseline,
    recovery,
)
from bench.summary import render_markdown
from closeloop_devstack.mongo import local_uri
from closeloop_devstack.stack import Stack, StackConfig
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.settings import ServiceSettings

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = (
    "db_ceiling",
    "intake",
    "end_to_end",
    "pipeline",
    "sla",
    "polling",
    "audit_verify",
    "recovery",
    "at_risk",
    "console_pages",
    "faults",
    "routing_latency",
    "query_plans",
)
# The fault campaign is not one of issue 10's five scenarios and make test runs it already
# (tests/e2e); ``--only faults`` (or a list naming it) runs it here too. Routing's own
# received -> assigned latency (a broker and database of its own) is opt-in the same way.
OPT_IN_SCENARIOS = ("faults", "routing_latency")
DEFAULT_SCENARIOS = tuple(s for s in SCENARIOS if s not in OPT_IN_SCENARIOS)


def say(text: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {text}", flush=True)


def _guard(results: dict[str, Any], name: str, fn: Callable[[], Any]) -> Any:
    started = time.monotonic()
    say(f"=== {name} ===")
    try:
        value = fn()
        results[name] = value
    except Exception as exc:  # recorded, so one broken scenario does not hide the others
        traceback.print_exc()
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        value = None
    results.setdefault("_durations_s", {})[name] = round(time.monotonic() - started, 1)
    return value


def _without_nan(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _without_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nan(v) for v in value]
    return value


def run(scale: float, only: set[str], out_dir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(),
        "scale": scale,
        "machine": machine.describe(),
    }
    token = issue_dev_token(ServiceSettings(), role=Role.channel, sub="bench")
    with tempfile.TemporaryDirectory(prefix="closeloop-bench-") as tmp:
        stack = Stack(StackConfig.with_free_ports(Path(tmp)), say=say)
        stack.start()
        try:
            intake_url = f"http://127.0.0.1:{stack.config.service_ports['intake']}"
            bootstrap = f"127.0.0.1:{stack.config.kafka_port}"
            mongo_uri = local_uri(stack.config.mongo_port)
            if "db_ceiling" in only:
                _guard(
                    results,
                    "db_ceiling",
                    lambda: mongo_ceiling.run(mongo_uri, scale=scale, say=say),
                )
            if "query_plans" in only:
                from bench import query_plans

                _guard(
                    results,
                    "query_plans",
                    lambda: query_plans.run(mongo_uri, scale=scale, say=say),
                )
            if "intake" in only:
                _guard(
                    results,
                    "intake",
                    lambda: intake_throughput.run(
                        intake_url, token, bootstrap, scale=scale, say=say
                    ),
                )
            saturation = results.get("intake", {}).get("saturation_per_s") or 20.0
            if "end_to_end" in only:
                _guard(
                    results,
                    "end_to_end",
                    lambda: end_to_end.run(
                        intake_url, token, bootstrap, saturation=saturation, scale=scale, say=say
                    ),
                )
            if "pipeline" in only:
                _guard(
                    results,
                    "pipeline",
                    lambda: pipeline.run(stack, token, mongo_uri=mongo_uri, scale=scale, say=say),
                )
            if "console_pages" in only:
                console_url = f"http://127.0.0.1:{stack.config.service_ports['console']}"
                _guard(
                    results,
                    "console_pages",
                    lambda: console_pages.run(
                        intake_url,
                        console_url,
                        bootstrap,
                        scale=scale,
                        say=say,
                        services={
                            name: f"http://127.0.0.1:{port}"
                            for name, port in stack.config.service_ports.items()
                        },
                    ),
                )
            if "recovery" in only:
                _guard(results, "recovery", lambda: recovery.run(stack, say=say))
        finally:
            stack.stop()
    if "polling" in only:
        _guard(results, "polling", lambda: polling_baseline.run(scale=scale, say=say))
    if "sla" in only:
        from bench import sla_breach

        _guard(results, "sla", lambda: sla_breach.run(scale=scale, say=say))
    if "at_risk" in only:
        from bench import sla_at_risk

        _guard(results, "at_risk", lambda: sla_at_risk.run(scale=scale, say=say))
    if "audit_verify" in only:
        from bench import audit_verify

        _guard(results, "audit_verify", lambda: audit_verify.run(scale=scale))
    if "faults" in only:
        from bench import faults

        _guard(results, "faults", lambda: faults.run(scale, say=say))
    if "routing_latency" in only:
        from bench import routing_latency

        _guard(results, "routing_latency", lambda: routing_latency.run(scale))
    results["finished_at"] = datetime.now(UTC).isoformat()
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = datetime.now(UTC).strftime("%Y-%m-%d") + ("" if scale >= 1 else f"-scale{scale:g}")
    # NaN (a percentile of no samples) is not JSON: it is written as null, which the
    # results schema (bench/results.schema.json) then refuses where a figure is required.
    text = json.dumps(_without_nan(results), indent=2, default=str, allow_nan=False)
    (out_dir / f"{stem}.json").write_text(text + "\n")
    (out_dir / f"{stem}.md").write_text(render_markdown(results))
    say(f"results: {out_dir / f'{stem}.json'} and .md")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = full size")
    parser.add_argument(
        "--only",
        default=",".join(DEFAULT_SCENARIOS),
        help=f"comma-separated subset of {', '.join(SCENARIOS)} (default: all but opt-in)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    only = set(args.only.split(","))
    unknown = only - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    run(args.scale, only, args.out)


if __name__ == "__main__":
    main()
