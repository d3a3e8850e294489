"""Compare MongoDB wire-protocol servers on the operations Closeloop's services issue.

Used to evaluate FerretDB 1.x against SecantusDB for the local run and the bench (issue 10):
each server gets the same workload, in interleaved rounds so that load from other
processes on the machine falls on every server alike.

    uv run python -m bench.wire_servers secantus=mongodb://127.0.0.1:27017 \\
        ferretdb-sqlite=mongodb://127.0.0.1:37017 --rounds 2

The servers are started by hand (see docs/benchmarks.md for how FerretDB was built and run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient

DOCS = 5_000
WORKERS = 8  # concurrent callers, like a service's in-flight requests


async def _rate(fn: Callable[[int], Awaitable[Any]], ops: int) -> float:
    """Operations/s of ``fn(i)`` for i < ops, from WORKERS concurrent callers."""

    async def worker(first: int) -> None:
        for i in range(first, ops, WORKERS):
            await fn(i)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(WORKERS)))
    return ops / (time.perf_counter() - started)


async def measure(uri: str, ops: int = 1_000) -> dict[str, float]:
    """One round of every operation against ``uri``; rates in operations (or documents)/s."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    coll = client["wire_servers"]["docs"]
    try:
        await coll.drop()
        await coll.create_index([("k", 1)])
        await coll.create_index([("state", 1), ("deadline", 1)])
        started = time.perf_counter()
        await coll.insert_many(
            [{"_id": i, "k": i % 100, "version": 0, "state": "open", "deadline": i, "arr": []}
             for i in range(DOCS)]
        )  # fmt: skip
        out = {"insert_many_docs_per_s": DOCS / (time.perf_counter() - started)}
        out["insert_one_per_s"] = await _rate(
            lambda i: coll.insert_one({"n": i, "pad": "x" * 200}), ops
        )
        out["find_one_by_id_per_s"] = await _rate(lambda i: coll.find_one({"_id": i}), ops)
        out["find_by_index_per_s"] = await _rate(
            lambda i: coll.find({"k": i % 100}).to_list(5), ops
        )
        out["conditional_update_one_per_s"] = await _rate(
            lambda i: coll.update_one(
                {"_id": i, "version": 0}, {"$inc": {"version": 1}, "$push": {"arr": {"x": i}}}
            ),
            ops,
        )
        started = time.perf_counter()
        result = await coll.update_many(
            {"state": "open", "deadline": {"$lt": 2_000}}, {"$set": {"state": "breached"}}
        )
        out["update_many_by_filter_docs_per_s"] = result.modified_count / (
            time.perf_counter() - started
        )
        await coll.drop()
        return {k: round(v, 1) for k, v in out.items()}
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wire_servers", description=__doc__)
    parser.add_argument("servers", nargs="+", help="name=mongodb://host:port")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ops", type=int, default=1_000, help="operations per measurement")
    args = parser.parse_args()
    servers = dict(s.split("=", 1) for s in args.servers)
    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    for r in range(args.rounds):
        for name, uri in servers.items():
            rounds[name].append(asyncio.run(measure(uri, args.ops)))
            print(f"round {r + 1} {name}: {rounds[name][-1]}", flush=True)
    best = {name: {k: max(m[k] for m in ms) for k in ms[0]} for name, ms in rounds.items() if ms}
    print(json.dumps({"best_of_rounds": best}, indent=2))


if __name__ == "__main__":
    main()
