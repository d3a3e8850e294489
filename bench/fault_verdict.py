"""The verdict of a fault campaign, stage by stage: every acknowledged complaint exists
exactly once in intake, is routed once, has each of its SLA clocks armed once and its
``received`` event once in the audit log; every customer e-mail is in the sink exactly once;
audit verification is ok and the log holds one entry per event produced; no DLQ holds a
record nobody poisoned on purpose. The counting itself is in ``fault_tally`` (pure)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.fault_stack import PARTITIONS, POISON_HEADER, Say, bearer, replica_urls, service_url
from bench.fault_tally import StageTally, TopicRecord, parse_body
from closeloop_devstack.stack import Stack
from closeloop_shared.auth import Role
from closeloop_shared.topics import all_topics

RECEIVED = "closeloop.intake.complaint.received.v1"
ROUTED = "closeloop.routing.complaint.routed.v1"


@dataclass
class FaultRecord:
    """One injected fault and how long the system took to come back: ``recovered_s`` from
    the kill until the component and every replica answer ready again, ``progressing_s``
    from the kill until a complaint submitted after that was routed (None: none was)."""

    fault: str
    at_submitted: int
    recovered_s: float
    progressing_s: float | None = None
    note: str = ""


@dataclass
class CampaignReport:
    """The figures of one campaign and every problem found."""

    profile: str
    run_id: str
    submitted: int = 0
    acknowledged: int = 0
    found: int = 0
    duplicates: int = 0
    losses: int = 0
    faults_injected: int = 0
    retried: int = 0  # submissions that needed more than one attempt (the faults bit)
    faults: list[FaultRecord] = field(default_factory=list)
    unexpected_dead_letters: int = 0
    audit_verify_ok: bool | None = None
    audit_entries: int = 0
    events_produced: int = 0  # distinct identities on the audited topics
    # Per stage (created, routed, clocks, mails, audit): expected, lost, duplicated.
    stages: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data."""
        return asdict(self)

    def add_stage(self, name: str, result: StageTally) -> None:
        """Record one stage's figures and its first problems."""
        self.stages[name] = {
            "expected": result.expected,
            "lost": result.lost,
            "duplicated": result.duplicated,
        }
        self.problems += result.problems[:20]


async def get_any(
    client: httpx.AsyncClient, stack: Stack, service: str, path: str
) -> httpx.Response:
    """``GET path`` on the replicas of ``service`` in turn until one answers 200 (an SLA
    worker answers 503 for the clocks another worker holds); the last answer otherwise."""
    reply: httpx.Response | None = None
    for url in replica_urls(stack, service):
        try:
            reply = await client.get(f"{url}{path}")
        except httpx.HTTPError:
            continue
        if reply.status_code == 200:
            return reply
    if reply is None:
        raise httpx.ConnectError(f"no replica of {service} answered {path}")
    return reply


async def _complaint_problems(
    client: httpx.AsyncClient, stack: Stack, complaint_id: str, clocks: dict[str, list[str]]
) -> list[str]:
    """What is not (yet) true of one acknowledged complaint; empty when all is well. The
    names of its clocks go into ``clocks``."""
    problems = []
    intake = await get_any(client, stack, "intake", f"/v1/complaints/{complaint_id}")
    if intake.status_code != 200:
        return [f"{complaint_id}: intake answers {intake.status_code}"]
    if intake.json().get("status") != "acknowledged":
        problems.append(f"{complaint_id}: status {intake.json().get('status')}")
    routing = await get_any(client, stack, "routing", f"/v1/routing/complaints/{complaint_id}")
    if routing.status_code != 200:
        problems.append(f"{complaint_id}: not routed (routing {routing.status_code})")
    sla = await get_any(client, stack, "sla", f"/v1/sla/complaints/{complaint_id}")
    if sla.status_code != 200 or not sla.json().get("clocks"):
        problems.append(f"{complaint_id}: no SLA clocks (sla {sla.status_code})")
    else:
        clocks[complaint_id] = [c["clock"] for c in sla.json()["clocks"]]
    trail = await client.get(
        f"{service_url(stack, 'audit')}/v1/audit/complaints/{complaint_id}",
        params={"limit": 1000},
    )
    entries = trail.json().get("entries", []) if trail.status_code == 200 else []
    types = Counter(e["event_type"] for e in entries)
    if types.get(RECEIVED, 0) != 1:
        problems.append(f"{complaint_id}: {types.get(RECEIVED, 0)} received entries in audit")
    if types.get(ROUTED, 0) != 1:
        problems.append(f"{complaint_id}: {types.get(ROUTED, 0)} routed entries in audit")
    return problems


async def settle(
    stack: Stack,
    complaint_ids: Sequence[str],
    *,
    within: float,
    say: Say,
    clocks: dict[str, list[str]] | None = None,
) -> dict[str, list[str]]:
    """Re-check pending complaints until none has a problem or time is up; the clocks the
    SLA table holds for each go into ``clocks``."""
    found_clocks = clocks if clocks is not None else {}
    headers = {"Authorization": bearer(Role.admin, sub="fault-verifier")}
    pending = {cid: ["unchecked"] for cid in complaint_ids}
    deadline = time.monotonic() + within
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(headers=headers, timeout=10.0) as client:

        async def check(cid: str) -> None:
            async with gate:
                try:
                    pending[cid] = await _complaint_problems(client, stack, cid, found_clocks)
                except (httpx.HTTPError, ValueError) as exc:
                    pending[cid] = [f"{cid}: {type(exc).__name__}"]

        while pending:
            await asyncio.gather(*(check(cid) for cid in list(pending)))
            pending = {cid: p for cid, p in pending.items() if p}
            if not pending or time.monotonic() > deadline:
                break
            say(f"waiting for {len(pending)} complaints to settle")
            await asyncio.sleep(2.0)
    return pending


async def count_in_intake(stack: Stack, run_id: str) -> Counter[str]:
    """How many intake complaints carry each ``[run_id#seq]`` marker."""
    headers = {"Authorization": bearer(Role.admin, sub="fault-verifier")}
    markers: Counter[str] = Counter()
    cursor: str | None = None
    async with httpx.AsyncClient(headers=headers, timeout=30.0) as client:
        while True:
            params: dict[str, Any] = {"q": f"[{run_id}#", "limit": 200}
            if cursor:
                params["cursor"] = cursor
            reply = await client.get(f"{service_url(stack, 'intake')}/v1/complaints", params=params)
            reply.raise_for_status()
            page = reply.json()
            for item in page["items"]:
                text = item["description"]
                start = text.find(f"[{run_id}#")
                markers[text[start : text.index("]", start) + 1]] += 1
            cursor = page.get("next_cursor")
            if not cursor:
                return markers


AUDITED = tuple(spec.name for spec in all_topics() if spec.name != "audit.checkpoints")


async def read_topics(
    bootstrap: str, topics: Sequence[str], *, within: float = 120.0
) -> list[TopicRecord]:
    """Every record of ``topics`` from the start to the current end (headers decoded)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=4 << 20
    )
    await consumer.start()
    found: list[TopicRecord] = []
    try:
        specs = [spec for spec in all_topics() if spec.name in topics]
        parts = [
            TopicPartition(spec.name, p)
            for spec in specs
            for p in range(spec.partitions or PARTITIONS)
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        todo = {tp for tp in parts if ends[tp] > 0}
        deadline = time.monotonic() + within
        while todo and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for tp, records in batch.items():
                for rec in records:
                    if rec.offset >= ends[tp]:
                        continue
                    headers = {k: (v or b"").decode("utf-8", "replace") for k, v in rec.headers}
                    body = parse_body(rec.value)
                    found.append(TopicRecord(rec.topic, rec.partition, rec.offset, headers, body))
                    if rec.offset + 1 >= ends[tp]:
                        todo.discard(tp)
        if todo:
            raise RuntimeError(f"could not read {sorted(map(str, todo))} within {within:.0f} s")
    finally:
        await consumer.stop()
    return found


async def dead_letters(bootstrap: str) -> list[dict[str, str]]:
    """Every record in every DLQ (headers decoded), read from the start to the current end."""
    dlqs = [spec.name for spec in all_topics() if spec.name.endswith(".dlq")]
    return [{"topic": r.topic, **r.headers} for r in await read_topics(bootstrap, dlqs)]


async def audit_verify(stack: Stack) -> dict[str, Any]:
    """The audit's full verification verdict."""
    headers = {"Authorization": bearer(Role.auditor, sub="fault-verifier")}
    async with httpx.AsyncClient(headers=headers, timeout=300.0) as client:
        reply = await get_any(client, stack, "audit", "/v1/audit/verify")
        reply.raise_for_status()
        verdict: dict[str, Any] = reply.json()
        return verdict


async def sink_recipients(stack: Stack) -> list[list[str]]:
    """The recipients of every message in the SMTP sink."""
    url = f"http://127.0.0.1:{stack.config.smtp_http_port}/messages"
    async with httpx.AsyncClient(timeout=120.0) as client:
        reply = await client.get(url)
        reply.raise_for_status()
        return [list(m.get("to", [])) for m in reply.json()]


def unexpected(letters: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Dead letters nobody poisoned on purpose."""
    return [d for d in letters if POISON_HEADER not in d]
