"""Scenario 2: complaint accepted → routed → assigned → SLA clocks armed, at 25 %, 50 % and
90 % of the intake saturation rate. The latency of one complaint is from its 201 response
to the later of its `assigned` event and its first `clock.started` event, as observed by a
Kafka consumer in this process."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiokafka import AIOKafkaConsumer

from bench.drain import wait_drained
from bench.load import open_loop
from bench.stats import summary_ms
from closeloop_shared.events.envelope import header_map

ASSIGNED = "closeloop.routing.complaint.assigned.v1"
CLOCK_STARTED = "closeloop.sla.clock.started.v1"


async def _measure(
    base_url: str, token: str, bootstrap: str, rate: float, seconds: float
) -> dict[str, Any]:
    created: dict[str, float] = {}
    assigned: dict[str, float] = {}
    armed: dict[str, float] = {}
    consumer = AIOKafkaConsumer(
        "routing.events.v1",
        "sla.events.v1",
        bootstrap_servers=bootstrap,
        auto_offset_reset="latest",
        group_id=None,
    )
    await consumer.start()
    await consumer.seek_to_end()
    stop = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batch.values():
                for r in records:
                    h = header_map(r.headers)
                    subject = h.get("ce_subject", "")
                    if h.get("ce_type") == ASSIGNED:
                        assigned.setdefault(subject, now)
                    elif h.get("ce_type") == CLOCK_STARTED:
                        armed.setdefault(subject, now)

    watcher = asyncio.create_task(watch())
    result = await open_loop(
        base_url,
        token,
        rate=rate,
        seconds=seconds,
        on_created=lambda cid, t: created.__setitem__(cid, t),
    )
    for _ in range(300):  # up to 60 s for the stragglers
        if all(c in assigned and c in armed for c in created):
            break
        await asyncio.sleep(0.2)
    gave_up = time.perf_counter()
    stop.set()
    await watcher
    await consumer.stop()
    done = {c for c in created if c in assigned and c in armed}
    # A complaint still unfinished counts with the time waited for it: the percentiles are
    # then lower bounds, flagged as such, rather than figures of the fast ones only.
    latencies = [
        (max(assigned[c], armed[c]) if c in done else gave_up) - t for c, t in created.items()
    ]
    return {
        "rate": rate,
        "created": len(created),
        "completed": len(done),
        "percentiles_are_lower_bounds": len(done) < len(created),
        "http_errors": result.errors,
        **summary_ms(latencies),
    }


def run(
    base_url: str, token: str, bootstrap: str, *, saturation: float, scale: float, say: Any = print
) -> dict[str, Any]:
    seconds = max(3.0, 15 * scale)
    out = {}
    for fraction in (0.25, 0.5, 0.9):
        rate = max(2.0, round(saturation * fraction, 1))
        # Earlier scenarios' (and steps') backlog must not be measured as this step's lag.
        drained_s, behind = asyncio.run(wait_drained(bootstrap, say=say))
        res = asyncio.run(_measure(base_url, token, bootstrap, rate, seconds))
        res |= {"backlog_wait_s": round(drained_s, 1), "records_behind_at_start": behind}
        say(
            f"[e2e] {int(fraction * 100)}% ({rate}/s): p50 {res['p50_ms']} ms "
            f"p99 {res['p99_ms']} ms, {res['completed']}/{res['created']} complete"
        )
        out[f"load_{int(fraction * 100)}pct"] = res
    return out
