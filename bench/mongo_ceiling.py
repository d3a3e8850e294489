"""Scenario 0: the local MongoDB server's raw write ceiling, measured in every run.

Every throughput figure of the other scenarios is reported as a ratio to this ceiling.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pymongo import AsyncMongoClient


async def _single_inserts(uri: str, seconds: float, workers: int) -> float:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    coll = client["bench_ceiling"]["single"]
    await coll.drop()
    done = 0
    stop_at = time.perf_counter() + seconds

    async def worker(w: int) -> None:
        nonlocal done
        i = 0
        while time.perf_counter() < stop_at:
            await coll.insert_one({"w": w, "i": i, "payload": "x" * 200})
            i += 1
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(workers)))
    elapsed = time.perf_counter() - started
    await client.close()
    return done / elapsed


async def _batched_inserts(uri: str, seconds: float, batch: int) -> float:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    coll = client["bench_ceiling"]["batched"]
    await coll.drop()
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        await coll.insert_many([{"i": done + k, "payload": "x" * 200} for k in range(batch)])
        done += batch
    elapsed = time.perf_counter() - started
    await client.close()
    return done / elapsed


def run(uri: str, *, scale: float, say: Any = print) -> dict[str, Any]:
    """Single-document inserts/s (8 concurrent writers) and insert_many documents/s."""
    seconds = max(2.0, 15 * scale)
    say(f"[db ceiling] single inserts for {seconds:.0f} s")
    single = asyncio.run(_single_inserts(uri, seconds, workers=8))
    say(f"[db ceiling] insert_many for {seconds:.0f} s")
    batched = asyncio.run(_batched_inserts(uri, seconds, batch=500))
    result = {"single_inserts_per_s": round(single, 1), "insert_many_docs_per_s": round(batched, 1)}
    say(f"[db ceiling] {result}")
    return result
