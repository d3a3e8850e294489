"""Scenario 1: sustained complaint creation over HTTP with durable writes (outbox in
MongoDB, relay with acks=all). Finds the highest rate whose p99 stays ≤ 50 ms and the
saturation throughput."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.load import closed_loop, open_loop
from bench.stats import summary_ms

P99_TARGET_S = 0.050


def run(base_url: str, token: str, *, scale: float, say: Any = print) -> dict[str, Any]:
    seconds = max(3.0, 20 * scale)
    say(f"[intake] saturation: 32 closed-loop clients for {seconds:.0f} s")
    sat = asyncio.run(closed_loop(base_url, token, clients=32, seconds=seconds))
    saturation = sat.throughput
    say(f"[intake] saturation {saturation:.0f}/s, {summary_ms(sat.latencies)}")
    steps = []
    best = 0.0
    for fraction in (0.2, 0.35, 0.5, 0.65, 0.8, 0.95):
        rate = max(5.0, round(saturation * fraction))
        res = asyncio.run(open_loop(base_url, token, rate=rate, seconds=seconds))
        stats = summary_ms(res.latencies)
        ok = res.errors == 0 and stats["p99_ms"] <= P99_TARGET_S * 1000
        steps.append(
            {
                "rate": rate,
                "achieved": round(res.throughput, 1),
                "errors": res.errors,
                **stats,
                "p99_within_target": ok,
            }
        )
        say(
            f"[intake] {rate:.0f}/s → p50 {stats['p50_ms']} ms p99 {stats['p99_ms']} ms "
            f"errors {res.errors}"
        )
        if ok:
            best = max(best, res.throughput)
    return {
        "saturation_per_s": round(saturation, 1),
        "saturation_latency": summary_ms(sat.latencies),
        "rate_at_p99_le_50ms_per_s": round(best, 1),
        "steps": steps,
    }
