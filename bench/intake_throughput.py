"""Scenario 1: sustained complaint creation over HTTP with durable writes (outbox in
MongoDB, relay with acks=all). Finds the highest rate whose p99 stays ≤ 50 ms and the
saturation throughput."""

from __future__ import annotations

import asyncio
from typing import Any

from bench.drain import wait_drained
from bench.load import closed_loop, open_loop
from bench.stats import summary_ms

P99_TARGET_S = 0.050


def run(
    base_url: str, token: str, bootstrap: str, *, scale: float, say: Any = print
) -> dict[str, Any]:
    """Saturation, then open-loop steps; each step starts once the previous one's backlog
    has drained from every consumer (how long that took is recorded with the step)."""
    seconds = max(3.0, 10 * scale)
    small = scale < 0.1  # the smoke test's run: fewer clients and steps, same shape
    clients = 8 if small else 32
    say(f"[intake] saturation: {clients} closed-loop clients for {seconds:.0f} s")
    sat = asyncio.run(closed_loop(base_url, token, clients=clients, seconds=seconds))
    saturation = sat.throughput
    say(f"[intake] saturation {saturation:.0f}/s, {summary_ms(sat.latencies)}")
    sat_drained_s, sat_behind = asyncio.run(wait_drained(bootstrap, say=say))
    say(f"[intake] the saturation backlog drained in {sat_drained_s:.0f} s")
    steps = []
    best = 0.0
    fractions = (0.1, 0.5) if small else (0.05, 0.1, 0.2, 0.35, 0.5, 0.8)
    for fraction in fractions:
        rate = max(2.0, round(saturation * fraction))
        res = asyncio.run(open_loop(base_url, token, rate=rate, seconds=seconds))
        stats = summary_ms(res.latencies)
        drained_s, behind = asyncio.run(wait_drained(bootstrap, say=say))
        ok = res.errors == 0 and stats["p99_ms"] <= P99_TARGET_S * 1000
        steps.append(
            {
                "rate": rate,
                "achieved": round(res.throughput, 1),
                "errors": res.errors,
                **stats,
                "p99_within_target": ok,
                "backlog_wait_s": round(drained_s, 1),
                "records_behind_after_wait": behind,
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
        "saturation_backlog_wait_s": round(sat_drained_s, 1),
        "saturation_records_behind_after_wait": sat_behind,
        "rate_at_p99_le_50ms_per_s": round(best, 1),
        "steps": steps,
    }
