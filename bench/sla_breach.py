"""Scenario: SLA breach detection at scale (issue 5).

``1_000_000 × scale`` open clocks (one first-response clock per complaint, 24×7, no
warnings). The clocks are started the real way: ``ComplaintReceived`` events on
``complaints.lifecycle.v1`` consumed by the real worker process (``python -m closeloop_sla``)
against a real Kafka broker and SecantusDB.

Loading happens in two parts so the run fits the bench's time budget: first the clocks that
stay open through the run (received now, due in an hour), then ``rate × window_s`` clocks
whose received times are back-dated so that ``rate`` of them expire per second, starting
just after they are all loaded (the rate the worker loaded the first part at says when).
Every breach is therefore detected while all ``1_000_000 × scale`` clocks are open.

Measured:
- detection lag of every breach: when the bench consumer receives ``ClockBreached`` minus
  the deadline (end to end), and the event's ``detected_at`` minus the deadline (engine);
  reported for the steady state, i.e. without the restart backlog;
- the worker's peak RSS (VmHWM, the larger of the two worker processes);
- recovery: the worker is SIGKILLed mid-run, stays down ``down_s``, is restarted; recovery
  is the time from the restart until every breach whose deadline passed while it was down
  has been received (and until ``/readyz``);
- correctness: no breach missing, none before its deadline, one distinct event id per clock.

``python -m bench.sla_breach --scale 0.001`` runs it alone and prints the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from bench.machine import cpu_seconds, peak_rss_mib, rss_mib
from bench.stats import summary_ms
from closeloop_devstack.kafka import KafkaBroker
from closeloop_devstack.mongo import MongoServer
from closeloop_devstack.process import free_port
from closeloop_devstack.service import ServiceProcess, service_argv
from closeloop_shared.auth import Role, issue_dev_token
from closeloop_shared.settings import ServiceSettings
from closeloop_shared.topics import COMPLAINT_LIFECYCLE, SLA_EVENTS

FULL_SIZE = 1_000_000
TARGET = timedelta(hours=1)
BREACHED = b"closeloop.sla.clock.breached.v1"
Say = Callable[[str], None]


@dataclass
class Breaches:
    """What the bench consumer saw of ``ClockBreached`` events for the bench's complaints."""

    prefix: str
    first_seen: dict[str, float] = field(default_factory=dict)  # complaint → arrival (epoch s)
    deadline: dict[str, float] = field(default_factory=dict)
    detected: dict[str, float] = field(default_factory=dict)
    ids: dict[str, set[str]] = field(default_factory=dict)
    records: int = 0


def sla_worker(
    tmp: Path, kafka: KafkaBroker, mongo: MongoServer, *, app_id: str, **settings: str
) -> ServiceProcess:
    """The real SLA worker process (``python -m closeloop_sla``) on a free port, its state in
    ``tmp``, in its own consumer group ``<app_id>-<random>``; ``settings`` are more
    ``CLOSELOOP_<NAME>`` variables."""
    port = free_port()
    env = (
        os.environ
        | {
            "CLOSELOOP_ENV": "development",
            "CLOSELOOP_KAFKA_BOOTSTRAP": kafka.bootstrap,
            "CLOSELOOP_MONGO_URI": mongo.uri,
            "CLOSELOOP_SLA_PORT": str(port),
            "CLOSELOOP_SLA_APP_ID": f"{app_id}-{uuid.uuid4().hex[:6]}",
            "CLOSELOOP_SLA_DATA_DIR": str(tmp / "sla-data"),
            "CLOSELOOP_TOPIC_PARTITIONS": "6",
        }
        | {f"CLOSELOOP_{name}": value for name, value in settings.items()}
    )
    argv = service_argv("{python} -m {module}", "sla", port)
    return ServiceProcess("sla", port, argv, env, tmp / "sla.log")


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


async def _collect(consumer: AIOKafkaConsumer, seen: Breaches, stop: asyncio.Event) -> None:
    while not stop.is_set():
        batches = await consumer.getmany(timeout_ms=200, max_records=5000)
        now = time.time()
        for records in batches.values():
            for record in records:
                headers = dict(record.headers or ())
                subject = headers.get("ce_subject", b"").decode()
                if headers.get("ce_type") != BREACHED or not subject.startswith(seen.prefix):
                    continue
                seen.records += 1
                seen.ids.setdefault(subject, set()).add(headers["ce_id"].decode())
                if subject not in seen.first_seen:
                    body = orjson.loads(record.value)
                    seen.first_seen[subject] = now
                    seen.deadline[subject] = _epoch(body["deadline"])
                    seen.detected[subject] = _epoch(body["detected_at"])


async def _sample(
    pid_of: Callable[[], int | None], peaks: list[float], loads: list[float], stop: asyncio.Event
) -> None:
    """The worker's RSS and the host's 1-minute load average, every half second (the host
    is shared: the load average says how much CPU the run really had)."""
    while not stop.is_set():
        pid = pid_of()
        with contextlib.suppress(OSError, TypeError):
            if pid is not None:
                peaks.append(max(rss_mib(pid), peak_rss_mib(pid)))
        loads.append(os.getloadavg()[0])
        await asyncio.sleep(0.5)


def _received(prefix: str, index: int, received_at: datetime) -> tuple[bytes, bytes, list[Any]]:
    """A ``ComplaintReceived`` record, encoded directly (pydantic per record is too slow
    for a million records; the shape matches closeloop_shared.events.intake)."""
    cid = f"{prefix}{index:07d}"
    at = received_at.isoformat()
    body = {
        "complaint_id": cid,
        "at": at,
        "version": 1,
        "received_at": at,
        "channel": "web",
        "kind": "complaint",
        "category": "bench",
        "severity": "normal",
        "severity_reason": "bench",
        "customer_pseudonym": "bench",
    }
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"{cid}-received".encode()),
        ("ce_type", b"closeloop.intake.complaint.received.v1"),
        ("ce_source", b"bench"),
        ("ce_subject", cid.encode()),
        ("ce_time", at.encode()),
        ("content-type", b"application/json"),
    ]
    return cid.encode(), orjson.dumps(body), headers


async def _put_bench_policy(url: str, settings: ServiceSettings) -> None:
    token = issue_dev_token(settings, role=Role.admin, sub="bench")
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
        current = (await c.get("/v1/sla/policies")).json()["policies"]
        policies = [
            {k: v for k, v in p.items() if k != "version"} for p in current if p["id"] != "bench"
        ]
        policies.append(
            {
                "id": "bench",
                "priority": 1000,
                "match": {"categories": ["bench"]},
                "clocks": [
                    {"clock": "first_response", "target": "PT1H", "calendar": "24x7", "warn_at": []}
                ],
            }
        )
        reply = await c.put("/v1/sla/policies", json={"policies": policies})
        reply.raise_for_status()


async def _open_clocks(url: str) -> float:
    """running + breached open clocks, from the worker's /metrics."""
    async with httpx.AsyncClient(base_url=url, timeout=5) as c:
        text = (await c.get("/metrics")).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("closeloop_sla_clocks_open{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _within(low: float, high: float) -> Callable[[str, float], bool]:
    return lambda _cid, deadline: low <= deadline < high


def _lags(seen: Breaches, keep: Callable[[str, float], bool]) -> tuple[list[float], list[float]]:
    """(end-to-end lags, engine lags) of the breaches ``keep(complaint, deadline)`` selects."""
    e2e, engine = [], []
    for cid, deadline in seen.deadline.items():
        if keep(cid, deadline):
            e2e.append(seen.first_seen[cid] - deadline)
            engine.append(seen.detected[cid] - deadline)
    return e2e, engine


async def _until(predicate: Callable[[], Any], *, interval: float, limit_s: float) -> bool:
    """Poll ``predicate`` (sync or async) until true or ``limit_s``; returns the outcome."""
    deadline = time.monotonic() + limit_s
    while True:
        outcome = predicate()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome or time.monotonic() > deadline:
            return bool(outcome)
        await asyncio.sleep(interval)


@dataclass
class Plan:
    """``n`` clocks expiring every 1/rate s from ``first_deadline`` (among the open ones)."""

    n: int
    rate: float
    first_deadline: float = 0.0  # set once the open clocks are loaded
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    @property
    def prefix(self) -> str:
        """Complaint id prefix of the expiring clocks (the ones the bench follows)."""
        return f"bench-{self.run_id}-due-"

    @property
    def open_prefix(self) -> str:
        return f"bench-{self.run_id}-open-"

    def deadline(self, index: int) -> float:
        return self.first_deadline + index / self.rate

    def due_by(self, instant: float) -> set[str]:
        return {f"{self.prefix}{i:07d}" for i in range(self.n) if self.deadline(i) <= instant}


async def _events_consumer(bootstrap: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    partitions = consumer.partitions_for_topic(SLA_EVENTS.name) or set(range(6))
    parts = [TopicPartition(SLA_EVENTS.name, p) for p in sorted(partitions)]
    consumer.assign(parts)
    await consumer.seek_to_end(*parts)
    return consumer


async def _produce(
    bootstrap: str, prefix: str, count: int, received_at: Callable[[int], datetime], say: Say
) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks=1, linger_ms=20, max_batch_size=512 * 1024
    )
    await producer.start()
    try:
        for index in range(count):
            key, value, headers = _received(prefix, index, received_at(index))
            await producer.send(COMPLAINT_LIFECYCLE.name, value, key=key, headers=headers)
            if index and index % 100_000 == 0:
                say(f"[sla] produced {index:,}/{count:,}")
        await producer.flush()
    finally:
        await producer.stop()


async def _load(
    bootstrap: str, url: str, plan: Plan, total: int, say: Say, rate_guess: float
) -> tuple[float, float, float]:
    """Start ``total - plan.n`` clocks that stay open, then the ``plan.n`` expiring ones
    (setting ``plan.first_deadline``); returns (started, produced, loaded) epoch times."""
    started = time.time()
    staying = total - plan.n
    now = datetime.now(UTC)
    await _produce(bootstrap, plan.open_prefix, staying, lambda _i: now, say)

    async def open_at_least(count: int) -> bool:
        return await _open_clocks(url) >= count  # breached clocks stay open

    if not await _until(lambda: open_at_least(staying), interval=1.0, limit_s=3600):
        raise TimeoutError("the worker did not start the open clocks within an hour")
    rate = staying / max(time.time() - started, 1e-3) if staying >= 1000 else rate_guess
    say(f"[sla] {staying:,} open clocks loaded at {rate:,.0f}/s; now the {plan.n:,} expiring")
    # The expiring clocks should all be loaded before the first falls due (with a margin).
    plan.first_deadline = time.time() + plan.n / rate * 1.3 + 10
    base = datetime.fromtimestamp(plan.first_deadline, UTC) - TARGET
    await _produce(
        bootstrap, plan.prefix, plan.n, lambda i: base + timedelta(seconds=i / plan.rate), say
    )
    produced = time.time()
    if not await _until(lambda: open_at_least(total), interval=0.5, limit_s=3600):
        raise TimeoutError("the worker did not start every clock within an hour")
    return started, produced, time.time()


async def _kill_and_restart(
    worker: ServiceProcess, plan: Plan, seen: Breaches, down_s: float, say: Say
) -> dict[str, Any]:
    worker.kill()
    killed = time.time()
    say(f"[sla] worker SIGKILLed; down for {down_s:g} s")
    await asyncio.sleep(down_s)
    worker.spawn()
    restarted = time.time()
    ready_after = await asyncio.to_thread(worker.wait_ready, 300)
    backlog = plan.due_by(restarted)
    await _until(lambda: backlog <= seen.first_seen.keys(), interval=0.5, limit_s=600)
    caught_up = max((seen.first_seen.get(c, time.time()) for c in backlog), default=restarted)
    say(
        f"[sla] restarted: ready after {ready_after:.1f} s, caught up {caught_up - restarted:.1f} s"
    )
    return {
        "killed_at": killed,
        "restarted_at": restarted,
        "caught_up_at": caught_up,
        "down_s": down_s,
        "ready_after_s": round(ready_after, 2),
        "caught_up_after_s": round(caught_up - restarted, 2),
        "backlog_breaches": sum(1 for c in backlog if seen.deadline.get(c, 0) > killed),
    }


def _report(plan: Plan, seen: Breaches, loaded: float, recovery: dict[str, Any]) -> dict[str, Any]:
    def recovering(cid: str, deadline: float) -> bool:
        """Due before the worker had caught up and delivered by the restarted worker (so
        including breaches the killed worker had not yet published)."""
        return bool(recovery) and (
            deadline <= recovery["caught_up_at"] and seen.first_seen[cid] >= recovery["killed_at"]
        )

    def steady(cid: str, deadline: float) -> bool:
        return deadline >= loaded + 1 and not recovering(cid, deadline)

    e2e, engine = _lags(seen, steady)
    if recovery:
        recovery["backlog_lag"] = summary_ms(_lags(seen, recovering)[0])
        for key in ("killed_at", "restarted_at", "caught_up_at"):
            recovery[key] = round(recovery[key] - plan.first_deadline, 1)  # relative to start
    ids = seen.ids.values()
    windows = []
    width = max(1.0, plan.n / plan.rate / 10)
    for start in range(10):
        low = plan.first_deadline + start * width
        lags = _lags(seen, _within(low, low + width))[0]
        if lags:
            windows.append({"deadlines_from_s": round(start * width, 1), **summary_ms(lags)})
    return {
        "lag_by_deadline_window": windows,
        "lag_end_to_end": summary_ms(e2e),
        "lag_engine": summary_ms(engine),
        "recovery": recovery,
        "breaches": {
            "expected": plan.n,
            "received": len(seen.first_seen),
            "missing": plan.n - len(seen.first_seen),
            "before_deadline": sum(1 for c, d in seen.deadline.items() if seen.detected[c] < d),
            "clocks_with_several_event_ids": sum(1 for i in ids if len(i) > 1),
            "records": seen.records,
        },
    }


async def _run(
    scale: float,
    rate: float,
    say: Say,
    kill: bool,
    down_s: float,
    load_rate_guess: float,
    window_s: float,
) -> dict[str, Any]:
    total = max(10, round(FULL_SIZE * scale))
    n = min(total, max(10, round(rate * window_s)))  # the clocks that expire during the run
    tmp = Path(tempfile.mkdtemp(prefix="closeloop-bench-sla-"))
    kafka = KafkaBroker(tmp / "kafka", free_port(), heap="1g")
    mongo = MongoServer(tmp / "mongo", free_port())
    say(
        f"[sla] {total:,} open clocks, {n:,} of them expiring at {rate:g}/s over "
        f"{n / rate:.0f} s; starting Kafka and DB"
    )
    kafka.start(timeout=180)
    mongo.start(timeout=120)
    # static group membership: the restarted worker takes its partitions back at once
    worker = sla_worker(
        tmp, kafka, mongo, app_id="bench-sla", LOG_LEVEL="INFO", SLA_INSTANCE_ID="bench-sla-0"
    )
    stop = asyncio.Event()
    consumer: AIOKafkaConsumer | None = None
    try:
        worker.start(timeout=180)
        await _put_bench_policy(worker.url, ServiceSettings())
        consumer = await _events_consumer(kafka.bootstrap)
        plan = Plan(n, rate)
        seen = Breaches(plan.prefix)
        peaks: list[float] = []
        loads: list[float] = []
        tasks = [
            asyncio.create_task(_collect(consumer, seen, stop)),
            asyncio.create_task(_sample(lambda: worker.pid, peaks, loads, stop)),
        ]
        started, produced, loaded = await _load(
            kafka.bootstrap, worker.url, plan, total, say, load_rate_guess
        )
        say(f"[sla] {total:,} clocks open after {loaded - started:.0f} s")
        db_cpu_from = cpu_seconds(mongo.pid) if mongo.pid else None
        recovery: dict[str, Any] = {}
        if kill:
            kill_at = plan.first_deadline + min(n / rate * 0.3, 120.0)
            await asyncio.sleep(max(0.0, kill_at - time.time()))
            recovery = await _kill_and_restart(worker, plan, seen, down_s, say)
        last_deadline = plan.deadline(n - 1)
        await _until(
            lambda: len(seen.first_seen) >= n,
            interval=0.5,
            limit_s=max(0.0, last_deadline - time.time()) + 120,
        )
        await asyncio.sleep(2)  # duplicates, if any, arrive late
        detecting_s = max(1e-3, time.time() - loaded)
        db_cpu = cpu_seconds(mongo.pid) - db_cpu_from if mongo.pid and db_cpu_from else None
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        result: dict[str, Any] = {
            "clocks": total,
            "open_during_detection": total,
            "rate_per_s": rate,
            "load": {
                "produce_s": round(produced - started, 1),
                "load_s": round(loaded - started, 1),
                "clocks_per_s": round(total / (loaded - started)),
                "deadlines_before_loaded": sum(1 for i in range(n) if plan.deadline(i) < loaded),
            },
            **_report(plan, seen, loaded, recovery),
            "db_cpu_s_per_min_while_detecting": (
                round(db_cpu / detecting_s * 60, 3) if db_cpu is not None else None
            ),
            "worker_peak_rss_mib": round(max(peaks, default=0.0), 1),
            "host_load_average": {
                "cores": os.cpu_count(),
                "mean": round(sum(loads) / max(1, len(loads)), 2),
                "max": round(max(loads, default=0.0), 2),
            },
        }
        with contextlib.suppress(OSError, TypeError):
            result["worker_cpu_s_since_restart"] = round(cpu_seconds(worker.pid or 0), 1)
        rec = result["recovery"]
        result["targets"] = {
            "p99_lag_le_1s": result["lag_end_to_end"]["p99_ms"] <= 1000,
            "rss_le_1_5_gib": result["worker_peak_rss_mib"] <= 1536,
            "recovery_le_60s": (not rec) or rec["caught_up_after_s"] <= 60,
        }
        say(f"[sla] lag {result['lag_end_to_end']}; rss {result['worker_peak_rss_mib']} MiB")
        return result
    finally:
        stop.set()
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()
        worker.stop(timeout=30)
        mongo.stop()
        kafka.stop()
        shutil.rmtree(tmp, ignore_errors=True)  # a full-scale run leaves gigabytes of log


def run(
    scale: float = 1.0,
    *,
    rate: float = 1000.0,
    say: Say = print,
    kill: bool = True,
    down_s: float = 10.0,
    load_rate_guess: float = 1200.0,
    window_s: float = 180.0,
) -> dict[str, Any]:
    """Run the scenario; returns a JSON-able dict of results."""
    return asyncio.run(_run(scale, rate, say, kill, down_s, load_rate_guess, window_s))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sla_breach", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 clocks")
    parser.add_argument("--rate", type=float, default=1000.0, help="deadlines per second")
    parser.add_argument("--no-kill", action="store_true", help="skip the SIGKILL/restart")
    parser.add_argument("--down", type=float, default=10.0, help="seconds the worker stays down")
    parser.add_argument(
        "--load-rate",
        type=float,
        default=1200.0,
        help="clocks/s assumed when too few clocks stay open to measure the load rate",
    )
    parser.add_argument(
        "--window", type=float, default=180.0, help="seconds over which clocks expire"
    )
    args = parser.parse_args()
    say: Say = lambda text: print(f"{datetime.now(UTC):%H:%M:%S} {text}", flush=True)  # noqa: E731
    out = run(
        args.scale,
        rate=args.rate,
        say=say,
        kill=not args.no_kill,
        down_s=args.down,
        load_rate_guess=args.load_rate,
        window_s=args.window,
    )
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
