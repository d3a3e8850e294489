"""The pipeline at fixed rates, measured from outside (issue 19's acceptance).

A client posts complaints open-loop at a fixed rate and honours 429 + ``Retry-After`` (it
resubmits with the same ``Idempotency-Key``), while a Kafka consumer in this process watches
``routing.events.v1`` and ``sla.events.v1``. A complaint is *done* at the later of its
``assigned``-or-``queued`` event and its first ``clock.started`` event; its latency runs
from its 201.

- ``at_50``: 50 complaints/s for 60 s: intake's 201 p99 (target ≤ 50 ms) and 201 → done
  p99 (target ≤ 250 ms), plus what each complaint costs: CPU ms of every process of the
  stack, database requests (``serverStatus``) and Kafka records (end offsets of every topic).
- ``sustained``: rising rates for 60 s each; the highest held with done p99 ≤ 1 s, every
  complaint done and nothing shed.
- ``overload``: 3× the sustained rate for 60 s: how many requests intake shed with 429, and
  whether what it accepted met the 1 s bound and was all done (nothing accepted lost).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from bench.drain import wait_drained
from bench.load import complaint_body
from bench.stats import summary_ms
from closeloop_devstack.stack import Stack
from closeloop_shared.events.envelope import header_map

ROUTED = {"closeloop.routing.complaint.assigned.v1", "closeloop.routing.complaint.queued.v1"}
CLOCK_STARTED = "closeloop.sla.clock.started.v1"
DONE_BOUND_S = 1.0  # what "sustained" means: done p99 within this, nothing shed
SUSTAINED_RATES = (50.0, 100.0, 150.0, 200.0, 250.0, 300.0)
RETRY_WINDOW_S = 30.0  # a shed request is resubmitted for at most this long after the step
MAX_IN_FLIGHT = 1024
Say = Callable[[str], None]


# --- what the stack's processes spend ----------------------------------------------------


def _group_cpu_s(pgids: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user + system) used so far by every process of each process group."""
    tick = os.sysconf("SC_CLK_TCK")
    used = dict.fromkeys(pgids, 0.0)
    names = {pgid: name for name, pgid in pgids.items()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        name = names.get(int(fields[2]))  # field 5 of stat: the process group
        if name is not None:
            used[name] += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return used


def process_groups(stack: Stack) -> dict[str, int]:
    """Process group of each running part of the stack (services run in groups of their own)."""
    groups: dict[str, int] = {}
    for name in ("kafka", "mongo", *stack.services):
        pid = getattr(stack.component(name), "pid", None)
        if pid:
            try:
                groups[name] = os.getpgid(pid)
            except ProcessLookupError:
                continue
    return groups


async def _database_requests(mongo_uri: str) -> dict[str, int]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_uri)
    try:
        status = await client.admin.command("serverStatus")
    finally:
        await client.close()
    counters = {k: int(v) for k, v in status.get("opcounters", {}).items()}
    counters["requests"] = int(status.get("network", {}).get("numRequests", 0))
    return counters


async def _kafka_records(bootstrap: str) -> int:
    """Records on every topic so far (the sum of the end offsets of all their partitions)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-records")
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        topics = [t for t in await admin.list_topics() if not t.startswith("__")]
        parts = [
            TopicPartition(described["topic"], part["partition"])
            for described in await admin.describe_topics(topics)
            for part in described["partitions"]
        ]
        return sum((await consumer.end_offsets(parts)).values())
    finally:
        await consumer.stop()
        await admin.close()


@dataclass
class Costs:
    """Counters of the whole stack, read before and after a step."""

    cpu_s: dict[str, float]
    database: dict[str, int]
    kafka_records: int

    @classmethod
    async def read(cls, groups: dict[str, int], mongo_uri: str, bootstrap: str) -> Costs:
        return cls(
            _group_cpu_s(groups),
            await _database_requests(mongo_uri),
            await _kafka_records(bootstrap),
        )

    def per_complaint(self, later: Costs, complaints: int) -> dict[str, Any]:
        n = max(1, complaints)
        cpu = {k: round((later.cpu_s[k] - v) * 1000 / n, 2) for k, v in self.cpu_s.items()}
        cpu["all"] = round(sum(cpu.values()), 2)
        db = {k: round((later.database[k] - v) / n, 2) for k, v in self.database.items()}
        return {
            "complaints": complaints,
            "cpu_ms": cpu,
            "database": db,
            "kafka_records": round((later.kafka_records - self.kafka_records) / n, 2),
        }


# --- one step: post at a fixed rate, watch the topics ------------------------------------


@dataclass
class Step:
    """What became of one fixed-rate step's complaints."""

    rate: float
    seconds: float
    created: dict[str, float] = field(default_factory=dict)  # id → time of its 201
    routed: dict[str, float] = field(default_factory=dict)
    armed: dict[str, float] = field(default_factory=dict)
    first_answer: list[float] = field(default_factory=list)  # latency of accepted 201s
    shed: int = 0  # 429 answers (each later resubmitted)
    failed: int = 0  # neither 201 nor 429, or no answer
    gave_up: int = 0  # still shed when the retry window closed


async def _submit(
    session: aiohttp.ClientSession, url: str, token: str, i: int, step: Step, deadline: float
) -> None:
    key = str(uuid.uuid4())  # the same key on every resubmission: one complaint at most
    body = complaint_body(i)
    while True:
        started = time.perf_counter()
        try:
            async with session.post(
                url, json=body, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key}
            ) as resp:
                answer = await resp.json(content_type=None)
                if resp.status in (200, 201):
                    done = time.perf_counter()
                    step.first_answer.append(done - started)
                    step.created.setdefault(str(answer["id"]), done)
                    return
                if resp.status != 429:
                    step.failed += 1
                    return
                step.shed += 1
                wait = float(resp.headers.get("Retry-After", "1"))
        except (aiohttp.ClientError, TimeoutError):
            step.failed += 1
            return
        if time.perf_counter() + wait > deadline:
            step.gave_up += 1
            return
        await asyncio.sleep(wait)


async def _watch(consumer: AIOKafkaConsumer, step: Step, stop: asyncio.Event) -> None:
    while not stop.is_set():
        batch = await consumer.getmany(timeout_ms=100)
        now = time.perf_counter()
        for records in batch.values():
            for record in records:
                headers = header_map(record.headers)
                subject, kind = headers.get("ce_subject", ""), headers.get("ce_type")
                if kind in ROUTED:
                    step.routed.setdefault(subject, now)
                elif kind == CLOCK_STARTED:
                    step.armed.setdefault(subject, now)


def _done(step: Step) -> dict[str, float]:
    return {
        c: max(step.routed[c], step.armed[c])
        for c in step.created
        if c in step.routed and c in step.armed
    }


async def run_step(
    base_url: str, token: str, bootstrap: str, *, rate: float, seconds: float, first: int
) -> dict[str, Any]:
    step = Step(rate=rate, seconds=seconds)
    consumer = AIOKafkaConsumer(
        "routing.events.v1", "sla.events.v1", bootstrap_servers=bootstrap, group_id=None
    )
    await consumer.start()
    await consumer.seek_to_end()
    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch(consumer, step, stop))
    url = f"{base_url}/v1/complaints"
    connector = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT)
    started = time.perf_counter()
    deadline = started + seconds + RETRY_WINDOW_S
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(30)
    ) as session:
        tasks: set[asyncio.Task[None]] = set()
        for i in range(int(rate * seconds)):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(_submit(session, url, token, first + i, step, deadline))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
    posted_s = time.perf_counter() - started
    for _ in range(300):  # up to 60 s for the stragglers
        if len(_done(step)) == len(step.created):
            break
        await asyncio.sleep(0.2)
    waited_until = time.perf_counter()
    stop.set()
    await watcher
    await consumer.stop()
    done = _done(step)
    # An unfinished complaint counts with the time waited for it: the percentiles are then
    # lower bounds, flagged as such, rather than figures of the fast ones only.
    latencies = [done.get(c, waited_until) - t for c, t in step.created.items()]
    return {
        "rate": rate,
        "seconds": round(posted_s, 1),
        "accepted": len(step.created),
        "done": len(done),
        "shed_429": step.shed,
        "gave_up": step.gave_up,
        "failed": step.failed,
        "accepted_per_s": round(len(step.created) / posted_s, 1) if posted_s else 0.0,
        "created_201": summary_ms(step.first_answer),
        "done_after_201": summary_ms(latencies),
        "percentiles_are_lower_bounds": len(done) < len(step.created),
    }


def held(result: dict[str, Any]) -> bool:
    """The rate is carried: everything accepted and done within the bound, nothing shed."""
    return bool(
        result["shed_429"] == 0
        and result["failed"] == 0
        and result["done"] == result["accepted"]
        and result["done_after_201"]["p99_ms"] <= DONE_BOUND_S * 1000
    )


# --- the scenario ------------------------------------------------------------------------


@contextmanager
def _timed(say: Say, label: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    say(f"[pipeline] {label} in {time.monotonic() - started:.0f} s")


def run(
    stack: Stack, token: str, *, mongo_uri: str, scale: float, say: Say = print
) -> dict[str, Any]:
    base_url = f"http://127.0.0.1:{stack.config.service_ports['intake']}"
    bootstrap = f"127.0.0.1:{stack.config.kafka_port}"
    seconds = max(3.0, 60 * scale)
    groups = process_groups(stack)
    counter = iter(range(0, 10**9, 100_000))  # distinct customers for every step

    def step(rate: float) -> dict[str, Any]:
        drained_s, behind = asyncio.run(wait_drained(bootstrap, say=say))
        before = asyncio.run(Costs.read(groups, mongo_uri, bootstrap))
        result = asyncio.run(
            run_step(base_url, token, bootstrap, rate=rate, seconds=seconds, first=next(counter))
        )
        after = asyncio.run(Costs.read(groups, mongo_uri, bootstrap))
        result["cost_per_complaint"] = before.per_complaint(after, result["accepted"])
        result |= {"backlog_wait_s": round(drained_s, 1), "records_behind_at_start": behind}
        say(
            f"[pipeline] {rate:g}/s for {seconds:g} s: 201 p99 "
            f"{result['created_201']['p99_ms']} ms, done p99 "
            f"{result['done_after_201']['p99_ms']} ms, {result['done']}/{result['accepted']} "
            f"done, {result['shed_429']} shed, CPU "
            f"{result['cost_per_complaint']['cpu_ms']['all']} ms/complaint"
        )
        return result

    out: dict[str, Any] = {"seconds_per_step": seconds, "done_bound_ms": DONE_BOUND_S * 1000}
    with _timed(say, "50/s"):
        out["at_50"] = step(50.0)
    sustained, steps = 0.0, []
    with _timed(say, "sustained"):
        # A smoke run (scale < 1) tries the first rate only: it checks the mechanics.
        for rate in SUSTAINED_RATES if scale >= 1 else SUSTAINED_RATES[:1]:
            result = step(rate)
            steps.append(result)
            if not held(result):
                break
            sustained = rate
    out["sustained_steps"] = steps
    out["sustained_per_s"] = sustained
    with _timed(say, "overload"):
        out["overload"] = step(3 * max(sustained, 50.0))
    overload = out["overload"]
    out["overload_verdict"] = {
        "shed": overload["shed_429"] > 0,
        "accepted_all_done": overload["done"] == overload["accepted"],
        "accepted_done_p99_ms": overload["done_after_201"]["p99_ms"],
    }
    # The overload's backlog would be the next scenario's load: leave the stack caught up.
    out["drained_after_s"], out["records_behind_after"] = asyncio.run(
        wait_drained(bootstrap, timeout_s=600, say=say)
    )
    return out
