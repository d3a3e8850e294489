"""Routing latency benchmark: complaint ``received`` → ``assigned`` through the real broker.

Publishes ``ComplaintReceived`` events at ``--rate`` per second for ``--seconds`` and
measures, for each complaint, the time from handing the event to the producer until its
``ComplaintAssigned`` arrives on ``routing.events.v1``: two broker hops, the routing
decision and its MongoDB writes. The routing service runs as its own process
(``python -m closeloop_routing``), as in production. Without ``--bootstrap`` and
``--mongo-uri`` a private Kafka broker and SecantusDB server are started for the run.

    uv run python -m bench.routing_latency --rate 50 --seconds 60
    uv run python -m bench --only routing_latency   # the same, recorded with the others

Prints one JSON object: counts and latency percentiles in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from closeloop_devstack.kafka import KafkaBroker
from closeloop_devstack.mongo import MongoServer
from closeloop_devstack.process import free_port
from closeloop_routing.config import RoutingSettings
from closeloop_routing.entrypoints.consumers import CONSUMED_TOPICS
from closeloop_routing.testing import EventWatcher, complaint_received, skip_history, until
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.kafka.producer import EventProducer
from closeloop_shared.kafka.provisioning import ensure_topics
from closeloop_shared.topics import all_topics

CATEGORIES = [
    ("billing", "账单重复扣费两次"),
    ("delivery", "快递一周了还没收到"),
    ("product_quality", "产品质量有问题"),
    ("service_attitude", "客服态度很差"),
    ("other", "I was charged twice for one order"),
]
WARMUP = 25


@contextmanager
def infrastructure(
    bootstrap: str | None = None, mongo_uri: str | None = None
) -> Iterator[tuple[str, str]]:
    """The broker and database to use: the given ones, or private ones for this run."""
    if bootstrap and mongo_uri:
        yield bootstrap, mongo_uri
        return
    with tempfile.TemporaryDirectory(prefix="routing-bench-") as tmp:
        kafka = KafkaBroker(Path(tmp) / "kafka", free_port())
        mongo = MongoServer(Path(tmp) / "mongo", free_port())
        kafka.start(180)
        mongo.start(60)
        try:
            yield kafka.bootstrap, mongo.uri
        finally:
            kafka.stop()
            mongo.stop()


@contextmanager
def routing_process(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m closeloop_routing`` with ``env``, stopped gracefully afterwards."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "closeloop_routing"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


async def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"routing exited early; see {log}")
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("routing did not become ready in 120 s")


async def open_capacity(base: str, settings: RoutingSettings, capacity: int) -> None:
    """Give every agent room for the whole run, so complaints are assigned, not queued."""
    token = issue_dev_token(settings, role=Role.admin, sub="bench")
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as client:
        agents = (await client.get("/v1/routing/agents")).json()
        for agent in agents:
            response = await client.put(
                f"/v1/routing/agents/{agent['id']}", json={"capacity": capacity}
            )
            response.raise_for_status()


async def drive(
    producer: EventProducer, rate: float, seconds: float
) -> tuple[dict[str, float], set[str]]:
    """Send at a steady rate without waiting for acknowledgements (so a slow ack does
    not slow the schedule); return each complaint's send instant and the warm-up ids."""
    sent: dict[str, float] = {}
    warmup: set[str] = set()
    pending: list[asyncio.Task[None]] = []
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for n in range(-WARMUP, total):
        due = start + (n + WARMUP) / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        category, text = CATEGORIES[n % len(CATEGORIES)]
        event = complaint_received(f"bench-{uuid.uuid4().hex[:12]}", category=category, text=text)
        sent[event.subject] = time.monotonic()
        if n < 0:
            warmup.add(event.subject)
        pending.append(asyncio.create_task(producer.publish(event)))
    await asyncio.gather(*pending)
    return sent, warmup


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))
    return ordered[index]


async def measure(
    rate: float, seconds: float, port: int, bootstrap: str, mongo_uri: str
) -> dict[str, Any]:
    """One run of the load at ``rate`` per second for ``seconds`` against ``bootstrap``."""
    load_before = round(os.getloadavg()[0], 2)
    run_id = uuid.uuid4().hex[:8]
    env = {
        "CLOSELOOP_KAFKA_BOOTSTRAP": bootstrap,
        "CLOSELOOP_MONGO_URI": mongo_uri,
        "CLOSELOOP_MONGO_DB_PREFIX": f"bench{run_id}_",
        "CLOSELOOP_SERVICE_NAME": "routing",
        "CLOSELOOP_ROUTING_PORT": str(port),
        "CLOSELOOP_LOG_LEVEL": "WARNING",
    }
    settings = RoutingSettings(kafka_bootstrap=bootstrap, mongo_uri=mongo_uri)
    await ensure_topics(bootstrap, all_topics(), default_partitions=settings.topic_partitions)
    await skip_history(bootstrap, "routing-decisions", CONSUMED_TOPICS)
    log = Path(tempfile.gettempdir()) / f"routing-bench-{run_id}.log"
    base = f"http://127.0.0.1:{port}"
    with routing_process(env, log) as proc:
        await wait_ready(base, proc, log)
        await open_capacity(base, settings, int(rate * seconds) + WARMUP)
        watcher = EventWatcher(bootstrap)
        producer = EventProducer(bootstrap, client_id="routing-bench")
        await watcher.start()
        await producer.start()
        try:
            sent, warmup = await drive(producer, rate, seconds)
            with contextlib.suppress(TimeoutError):  # what is missing is reported

                async def all_arrived() -> bool:
                    return len(_assigned(watcher, sent)) == len(sent)

                await until(all_arrived, within_s=30)
            service = await service_metrics(base)
        finally:
            await producer.stop()
            await watcher.stop()
    arrived = _assigned(watcher, sent)
    latencies = [
        (arrived[cid] - sent[cid]) * 1000 for cid in sent if cid in arrived and cid not in warmup
    ]
    measured = len(sent) - len(warmup)
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "sent": measured,
        "assigned": len(latencies),
        "missing": measured - len(latencies),
        "p50_ms": round(percentile(latencies, 0.50), 2) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 2) if latencies else None,
        "max_ms": round(max(latencies), 2) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "target_p99_ms": 100,
        **service,
        "cpus": os.cpu_count(),
        "load_average_1m_before": load_before,
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }


async def service_metrics(base: str) -> dict[str, float | None]:
    """The routing process's own view: mean time to handle a received complaint (the
    consumer's time per record), from its Prometheus metrics."""
    async with httpx.AsyncClient(base_url=base) as client:
        text = (await client.get("/metrics")).text
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("closeloop_routing_decision_seconds_"):
            name, _, value = line.partition(" ")
            values[name] = float(value)
    count = values.get("closeloop_routing_decision_seconds_count", 0.0)
    total = values.get("closeloop_routing_decision_seconds_sum", 0.0)
    return {"routing_decision_mean_ms": round(total / count * 1000, 2) if count else None}


def _assigned(watcher: EventWatcher, sent: dict[str, float]) -> dict[str, float]:
    """When each sent complaint's ``assigned`` event arrived (first arrival)."""
    arrived: dict[str, float] = {}
    for at, event in watcher.events:
        if event.type.endswith(".assigned.v1") and event.subject in sent:
            arrived.setdefault(event.subject, at)
    return arrived


def run(scale: float = 1.0, *, rate: float = 50.0) -> dict[str, Any]:
    """The bench scenario (``python -m bench --only routing_latency``): 60 s of load at
    ``scale`` 1.0 (at least 2 s), on a private broker and database and a free port."""
    seconds = max(2.0, 60.0 * scale)
    with infrastructure() as (bootstrap, mongo_uri):
        return asyncio.run(measure(rate, seconds, free_port(), bootstrap, mongo_uri))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50.0, help="complaints per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="duration of the load")
    parser.add_argument("--bootstrap", help="an existing Kafka (else a private one)")
    parser.add_argument("--mongo-uri", help="an existing MongoDB server (else a private one)")
    parser.add_argument("--port", type=int, default=18702, help="routing's HTTP port")
    args = parser.parse_args()
    with infrastructure(args.bootstrap, args.mongo_uri) as (bootstrap, mongo_uri):
        result = asyncio.run(measure(args.rate, args.seconds, args.port, bootstrap, mongo_uri))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
