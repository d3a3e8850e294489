"""The end-to-end environment: ONE real stack per test session (Kafka, SecantusDB, the SMTP
sink and the five services as real processes on free ports), shared by tests/e2e and
tests/hostile, plus the helpers tests use to talk to it."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `bench` is a folder of the repository, not a distribution

from bench.fault_stack import PARTITIONS, POISON_HEADER, bearer, service_url, start_stack  # noqa: E402
from closeloop_devstack.stack import Stack  # noqa: E402
from closeloop_shared.auth import Role  # noqa: E402
from closeloop_shared.topics import topic_by_name  # noqa: E402

SERVICES = ("intake", "routing", "sla", "feedback", "audit")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class E2E:
    """A running stack and how to reach it."""

    stack: Stack

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.stack.config.kafka_port}"

    @property
    def sink_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.config.smtp_http_port}"

    @property
    def intake_smtp_port(self) -> int:
        return int(self.stack.config.base_env["CLOSELOOP_INTAKE_SMTP_PORT"])

    def url(self, service: str, path: str = "") -> str:
        """Absolute URL of ``path`` on ``service``."""
        return service_url(self.stack, service) + path

    def log_tail(self, service: str, lines: int = 60) -> str:
        """The end of a service's log (for failure messages)."""
        return self.stack.services[service].log_tail(lines)


def auth(
    role: Role, *, sub: str | None = None, departments: tuple[str, ...] = ()
) -> dict[str, str]:
    """Request headers carrying a development token."""
    return {"Authorization": bearer(role, sub=sub, departments=departments)}


# --- one stack per session ---------------------------------------------------------------

_shared: dict[str, Any] = {"env": None, "users": 0}


def acquire(make_dir: Callable[[], Path]) -> E2E:
    """The session's stack, started on first use (``make_dir`` gives its folder)."""
    if _shared["env"] is None:
        started = time.monotonic()
        stack = start_stack(make_dir(), say=lambda text: print(f"[e2e stack] {text}"))
        _shared["env"] = E2E(stack)
        record_figures(stack_start_s=round(time.monotonic() - started, 1))
    _shared["users"] += 1
    env_now: E2E = _shared["env"]
    return env_now


def release() -> None:
    """Stop the stack once its last user is done."""
    _shared["users"] -= 1
    if _shared["users"] <= 0 and _shared["env"] is not None:
        env: E2E = _shared["env"]
        _shared["env"] = None
        env.stack.stop()


_figures: dict[str, Any] = {}


def record_figures(**values: Any) -> None:
    """Remember figures to report at the end of the session."""
    _figures.update(values)


def report_figures(write: Callable[[str], None]) -> None:
    """Write the session's figures once (both conftests call this at the end)."""
    if _figures and not _figures.get("_reported"):
        _figures["_reported"] = True
        write("closeloop end-to-end figures:")
        for name, value in sorted(_figures.items()):
            if not name.startswith("_"):
                write(f"  {name}: {value}")


# --- order of the session ------------------------------------------------------------------

# The end-to-end block runs after every other test of the session (the stack then lives
# only as long as needed), and inside it last: the fault campaigns, which stop the broker and
# the database, then schemathesis, which PUTs generated routing and SLA configurations.
LAST = {"test_e2e_faults.py": 2, "test_hostile_schemathesis.py": 3}
E2E_FOLDERS = (ROOT / "tests" / "e2e", ROOT / "tests" / "hostile")


def session_rank(path: Path) -> int:
    """Sort key of a test file in the session."""
    if not any(path.is_relative_to(folder) for folder in E2E_FOLDERS):
        return 0
    return LAST.get(path.name, 1)


# --- metrics -----------------------------------------------------------------------------


async def scrape(client: httpx.AsyncClient, env: E2E, service: str) -> Samples:
    """Every sample of a service's /metrics, keyed by (name, labels)."""
    reply = await client.get(env.url(service, "/metrics"))
    reply.raise_for_status()
    samples: Samples = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = float(sample.value)
    return samples


def metric(samples: Samples, name: str, **labels: str) -> float:
    """Sum of the samples called ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(v for (n, lbl), v in samples.items() if n == name and wanted <= lbl)


def has_metric(samples: Samples, name: str) -> bool:
    """Tell whether any sample is called ``name``."""
    return any(n == name for n, _ in samples)


# --- Kafka -------------------------------------------------------------------------------


async def produce(
    bootstrap: str,
    records: Iterable[tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]], int | None]],
) -> list[tuple[str, int, int]]:
    """Send raw records (topic, key, value, headers, partition); return (topic, partition,
    offset) of each, in order."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    placed = []
    try:
        for topic, key, value, headers, partition in records:
            meta = await producer.send_and_wait(
                topic, value, key=key, headers=headers, partition=partition
            )
            placed.append((topic, meta.partition, meta.offset))
    finally:
        await producer.stop()
    return placed


async def read_topic(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[list[ConsumerRecord]], bool] | None = None,
    within: float = 30.0,
) -> list[ConsumerRecord]:
    """Records of ``topic`` from the beginning: up to the current end, or (with ``until``)
    until the records read so far satisfy it (or ``within`` seconds pass)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    got: list[ConsumerRecord] = []
    try:
        parts = [TopicPartition(topic, p) for p in range(partitions_of(topic))]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        deadline = time.monotonic() + within
        ends = await consumer.end_offsets(parts)
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                got.extend(records)
            if until is not None:
                if until(got):
                    break
                continue
            positions = {tp: await consumer.position(tp) for tp in parts}
            if all(positions[tp] >= ends[tp] for tp in parts):
                break
    finally:
        await consumer.stop()
    return got


def partitions_of(topic: str) -> int:
    """Partitions of a topic of the e2e stack (it provisions every topic itself)."""
    return topic_by_name(topic).partitions or PARTITIONS


def headers_of(record: ConsumerRecord) -> dict[str, str]:
    """A record's headers as text."""
    return {k: (v or b"").decode("utf-8", "replace") for k, v in (record.headers or ())}


__all__ = [
    "E2E",
    "POISON_HEADER",
    "SERVICES",
    "Role",
    "acquire",
    "auth",
    "has_metric",
    "headers_of",
    "metric",
    "partitions_of",
    "produce",
    "read_topic",
    "record_figures",
    "release",
    "report_figures",
    "scrape",
    "session_rank",
]
