"""The peers' way of detecting breaches, for comparison with Closeloop's SLA engine: a
periodic query for overdue open clocks in MongoDB (Zammad, GLPI, Znuny, osTicket and
Chatwoot run such a job every 5 minutes).

The same shape of data as the SLA scenario: ``n`` open clocks whose deadlines are spread so
that ``rate`` expire per second. Deadlines are written relative to a virtual clock that
starts when loading ends, so slow loading never inflates the measured lag.

Two intervals are measured:
- back to back (the fastest interval the database sustains): real polling for a window;
- every 5 minutes: one real poll over 5 minutes' worth of overdue clocks gives the cost of a
  poll; the lag is then the time to the next poll (uniform over the interval) plus that
  cost — the window would otherwise need 5+ minutes per sample.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from pymongo import ASCENDING, AsyncMongoClient

from bench.machine import cpu_seconds
from bench.stats import percentile, summary_ms
from closeloop_devstack.mongo import MongoServer
from closeloop_devstack.process import free_port

PEER_INTERVAL_S = 300.0


async def _load(coll: Any, n: int, rate: float, say: Any) -> None:
    await coll.drop()
    await coll.create_index([("state", ASCENDING), ("deadline", ASCENDING)])
    batch = 5000
    for start in range(0, n, batch):
        await coll.insert_many(
            [
                {
                    "_id": i,
                    "complaint_id": f"c-{i}",
                    "clock": "first_response",
                    "state": "open",
                    "deadline": i / rate,
                }
                for i in range(start, min(n, start + batch))
            ]
        )
        if start % 100_000 == 0:
            say(f"[polling] loaded {start:,}/{n:,} clocks")


async def _poll(coll: Any, virtual_now: float) -> tuple[list[float], int]:
    """One poll: read the overdue open clocks, then mark exactly those breached. The update
    repeats the query's filter (same bound) rather than listing ids: on SecantusDB a large
    ``$in`` costs far more than the filter (measured here: 2,000 ids by ``$in`` 6.0 s, 5,000
    by filter 0.9 s), and a peer's bulk UPDATE ... WHERE is the same shape."""
    overdue = {"state": "open", "deadline": {"$lte": virtual_now}}
    due = [d async for d in coll.find(overdue, {"deadline": 1})]
    if due:
        await coll.update_many(overdue, {"$set": {"state": "breached", "detected_at": virtual_now}})
    return [d["deadline"] for d in due], len(due)


async def _run(
    uri: str, db_pid: int | None, n: int, rate: float, window_s: float, say: Any
) -> dict[str, Any]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    coll = client["bench_polling"]["clocks"]
    await _load(coll, n, rate, say)
    origin = time.perf_counter() + 1.0  # virtual time 0 = first deadline
    await asyncio.sleep(1.0)

    def vnow() -> float:
        return time.perf_counter() - origin

    lags: list[float] = []
    polls, durations = 0, []
    cpu0 = cpu_seconds(db_pid) if db_pid else 0.0
    while vnow() < window_s:
        t = time.perf_counter()
        deadlines, _ = await _poll(coll, vnow())
        detected = vnow()
        lags += [detected - d for d in deadlines]
        polls += 1
        durations.append(time.perf_counter() - t)
    cpu_fast = (cpu_seconds(db_pid) - cpu0) if db_pid else None
    say(f"[polling] back-to-back: {polls} polls in {window_s:.0f} s, lag {summary_ms(lags)}")

    # One poll catching 5 minutes' worth of overdue clocks (or what is left).
    cpu1 = cpu_seconds(db_pid) if db_pid else 0.0
    t = time.perf_counter()
    _, caught = await _poll(coll, vnow() + PEER_INTERVAL_S)
    big_poll_s = time.perf_counter() - t
    cpu_big = (cpu_seconds(db_pid) - cpu1) if db_pid else None
    await client.close()
    interval = PEER_INTERVAL_S
    say(f"[polling] one 5-minute poll caught {caught:,} clocks in {big_poll_s:.2f} s")
    return {
        "clocks": n,
        "expiring_per_s": rate,
        "fastest_interval": {
            "interval_s": round(sum(durations) / len(durations), 4) if durations else None,
            "polls": polls,
            "detected": len(lags),
            **summary_ms(lags),
            "db_cpu_s_per_min": round(cpu_fast / window_s * 60, 2) if cpu_fast else None,
        },
        "peer_5min_interval": {
            "interval_s": interval,
            "poll_cost_s": round(big_poll_s, 3),
            "caught": caught,
            "p50_ms": round((interval * 0.5 + big_poll_s) * 1000, 1),
            "p99_ms": round((interval * 0.99 + big_poll_s) * 1000, 1),
            "max_ms": round((interval + big_poll_s) * 1000, 1),
            "db_cpu_s_per_min": round(cpu_big / interval * 60, 3) if cpu_big else None,
            "method": "lag modelled as uniform wait to the next poll plus a measured poll",
        },
        "fastest_p99_check_ms": round(percentile(lags, 99) * 1000, 2) if lags else None,
    }


def run(*, scale: float, say: Any = print) -> dict[str, Any]:
    """On a database server of its own: the services' backlog must not share it (nor its
    CPU figures)."""
    n = max(2000, int(1_000_000 * scale))
    rate = max(10.0, 1000.0 * min(1.0, scale * 10))
    window = max(3.0, min(30.0, 300 * scale))  # 30 s of back-to-back polling at scale ≥ 0.1
    with tempfile.TemporaryDirectory(prefix="closeloop-bench-polling-") as tmp:
        mongo = MongoServer(Path(tmp), free_port())
        mongo.start(timeout=120)
        try:
            return asyncio.run(_run(mongo.uri, mongo.pid, n, rate, window, say))
        finally:
            mongo.stop()
