"""The verdict of a fault campaign: every acknowledged complaint exists exactly once in
intake, is routed once, has its SLA clocks and its ``received`` event once in the audit log;
audit verification is ok; no DLQ holds a record nobody poisoned on purpose."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.fault_stack import PARTITIONS, POISON_HEADER, Say, bearer, service_url
from closeloop_devstack.stack import Stack
from closeloop_shared.auth import Role
from closeloop_shared.topics import all_topics

RECEIVED = "closeloop.intake.complaint.received.v1"
ROUTED = "closeloop.routing.complaint.routed.v1"


@dataclass
class FaultRecord:
    """One injected fault and how long the component took to come back."""

    fault: str
    at_submitted: int
    recovered_s: float
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
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-able data."""
        return asdict(self)


async def _complaint_problems(
    client: httpx.AsyncClient, stack: Stack, complaint_id: str
) -> list[str]:
    """What is not (yet) true of one acknowledged complaint; empty when all is well."""
    problems = []
    intake = await client.get(f"{service_url(stack, 'intake')}/v1/complaints/{complaint_id}")
    if intake.status_code != 200:
        return [f"{complaint_id}: intake answers {intake.status_code}"]
    routing = await client.get(
        f"{service_url(stack, 'routing')}/v1/routing/complaints/{complaint_id}"
    )
    if routing.status_code != 200:
        problems.append(f"{complaint_id}: not routed (routing {routing.status_code})")
    sla = await client.get(f"{service_url(stack, 'sla')}/v1/sla/complaints/{complaint_id}")
    if sla.status_code != 200 or not sla.json().get("clocks"):
        problems.append(f"{complaint_id}: no SLA clocks (sla {sla.status_code})")
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
    stack: Stack, complaint_ids: Sequence[str], *, within: float, say: Say
) -> dict[str, list[str]]:
    """Re-check pending complaints until none has a problem or time is up."""
    headers = {"Authorization": bearer(Role.admin, sub="fault-verifier")}
    pending = {cid: ["unchecked"] for cid in complaint_ids}
    deadline = time.monotonic() + within
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(headers=headers, timeout=10.0) as client:

        async def check(cid: str) -> None:
            async with gate:
                try:
                    pending[cid] = await _complaint_problems(client, stack, cid)
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


async def dead_letters(bootstrap: str) -> list[dict[str, str]]:
    """Every record in every DLQ (headers decoded), read from the start to the current end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    found: list[dict[str, str]] = []
    try:
        parts = [
            TopicPartition(spec.name, p)
            for spec in all_topics()
            if spec.name.endswith(".dlq")
            for p in range(spec.partitions or PARTITIONS)
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        todo = {tp for tp in parts if ends[tp] > 0}
        deadline = time.monotonic() + 30
        while todo and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                for rec in records:
                    headers = {k: (v or b"").decode("utf-8", "replace") for k, v in rec.headers}
                    found.append({"topic": rec.topic, **headers})
                    if rec.offset + 1 >= ends[tp]:
                        todo.discard(tp)
    finally:
        await consumer.stop()
    return found


def unexpected(letters: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Dead letters nobody poisoned on purpose."""
    return [d for d in letters if POISON_HEADER not in d]
