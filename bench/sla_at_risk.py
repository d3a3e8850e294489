"""Scenario ``at_risk``: ``GET /v1/sla/at-risk`` latency at 10,000 open complaints (issue 17:
p99 ≤ 50 ms).

A real sla worker (Kafka and the database of its own, as in ``sla_breach``) is loaded with
``10,000 × scale`` complaints received over the last 72 minutes under a one-hour first
response clock (so the list holds both breached and running clocks), each assigned to an
owner in one of ten departments. Then the list is requested back to back, as a
supervisor (every department), a department user (one department) and with a severity
filter, and the client-side latency of each answer is recorded.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaProducer

from bench.sla_breach import (
    Say,
    _open_clocks,
    _put_bench_policy,
    _received,
    _until,
    sla_worker,
)
from bench.stats import summary_ms
from closeloop_devstack.kafka import KafkaBroker
from closeloop_devstack.mongo import MongoServer
from closeloop_devstack.process import free_port
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.settings import ServiceSettings
from closeloop_shared.topics import COMPLAINT_LIFECYCLE, ROUTING_EVENTS

FULL_SIZE = 10_000
DEPARTMENTS = tuple(f"dept-{i}" for i in range(10))
SPAN = timedelta(minutes=72)  # received over this span: deadlines from -12 min to +60 min
TARGET_P99_MS = 50.0


def _assigned(cid: str, index: int, at: datetime) -> tuple[bytes, bytes, list[Any]]:
    """A ``ComplaintAssigned`` record (the shape of closeloop_shared.events.routing)."""
    body = {
        "complaint_id": cid,
        "at": at.isoformat(),
        "department": DEPARTMENTS[index % len(DEPARTMENTS)],
        "assignee": f"agent-{index % 50}",
    }
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"{cid}-assigned".encode()),
        ("ce_type", b"closeloop.routing.complaint.assigned.v1"),
        ("ce_source", b"bench"),
        ("ce_subject", cid.encode()),
        ("ce_time", at.isoformat().encode()),
        ("content-type", b"application/json"),
    ]
    return cid.encode(), orjson.dumps(body), headers


async def _load(bootstrap: str, prefix: str, total: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=20)
    await producer.start()
    now = datetime.now(UTC)
    try:
        for index in range(total):
            received_at = now - SPAN * (index / max(1, total - 1))
            key, value, headers = _received(prefix, index, received_at)
            await producer.send(COMPLAINT_LIFECYCLE.name, value, key=key, headers=headers)
            key, value, headers = _assigned(key.decode(), index, now)
            await producer.send(ROUTING_EVENTS.name, value, key=key, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


async def _measure(url: str, requests: int) -> dict[str, Any]:
    settings = ServiceSettings()

    def auth(role: Role, depts: tuple[str, ...] = ()) -> dict[str, str]:
        token = issue_dev_token(settings, role=role, sub="bench", departments=depts)
        return {"Authorization": f"Bearer {token}"}

    callers = {
        "supervisor_all": (auth(Role.supervisor), {"within": "PT2H"}),
        "department_one": (auth(Role.department, (DEPARTMENTS[3],)), {"within": "PT2H"}),
        "severity_filter": (auth(Role.supervisor), {"within": "PT2H", "severity": "normal"}),
    }
    out: dict[str, Any] = {}
    samples_all: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        for name, (headers, params) in callers.items():
            samples: list[float] = []
            rows = 0
            for _ in range(requests):
                started = time.perf_counter()
                reply = await client.get("/v1/sla/at-risk", params=params, headers=headers)
                samples.append(time.perf_counter() - started)
                reply.raise_for_status()
                rows = len(reply.json()["items"])
            out[name] = {**summary_ms(samples), "rows": rows}
            samples_all += samples
        # The same worker's cheapest answer, as the noise floor of this machine right now.
        floor: list[float] = []
        for _ in range(requests):
            started = time.perf_counter()
            (await client.get("/healthz")).raise_for_status()
            floor.append(time.perf_counter() - started)
    out["all"] = summary_ms(samples_all)
    out["healthz_floor"] = summary_ms(floor)
    return out


async def _run(scale: float, say: Say, requests: int) -> dict[str, Any]:
    total = max(10, round(FULL_SIZE * scale))
    tmp = Path(tempfile.mkdtemp(prefix="closeloop-bench-at-risk-"))
    kafka = KafkaBroker(tmp / "kafka", free_port(), heap="512m")
    mongo = MongoServer(tmp / "mongo", free_port())
    say(f"[at_risk] {total:,} open complaints; starting Kafka and DB")
    kafka.start(timeout=180)
    mongo.start(timeout=120)
    # back-to-back requests of one subject: measure the list, not the rate limiter
    worker = sla_worker(tmp, kafka, mongo, app_id="bench-at-risk", RATE_LIMIT="100000/second")
    try:
        worker.start(timeout=180)
        await _put_bench_policy(worker.url, ServiceSettings())
        started = time.time()
        await _load(kafka.bootstrap, f"risk{uuid.uuid4().hex[:4]}-", total)

        async def loaded() -> bool:
            return await _open_clocks(worker.url) >= total

        if not await _until(loaded, interval=1.0, limit_s=1800):
            raise TimeoutError("the worker did not open every clock within 30 minutes")
        await asyncio.sleep(2)  # the assignments that follow the last receipts
        say(f"[at_risk] {total:,} clocks open after {time.time() - started:.0f} s; measuring")
        latency = await _measure(worker.url, requests)
        result: dict[str, Any] = {
            "open_complaints": total,
            "host_load_average_1m": round(os.getloadavg()[0], 2),
            "requests_per_caller": requests,
            "latency": latency,
            "targets": {"p99_le_50ms": latency["all"]["p99_ms"] <= TARGET_P99_MS},
        }
        say(f"[at_risk] {latency['all']}")
        return result
    finally:
        worker.stop(timeout=30)
        mongo.stop()
        kafka.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def run(scale: float = 1.0, *, say: Say = print, requests: int = 300) -> dict[str, Any]:
    """Run the scenario; returns a JSON-able dict of results."""
    return asyncio.run(_run(scale, say, max(20, round(requests * min(1.0, scale * 10)))))


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0), indent=2))
