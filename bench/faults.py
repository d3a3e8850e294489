"""Fault injection: nothing lost and nothing duplicated while parts of the system fail.

A generator submits complaints at a bounded rate over loopback (retrying with the same
``Idempotency-Key`` while intake is down, as a real client would; a 201 counts as
acknowledged) while the faults of a profile are injected one at a time:

- ``services``: kill -9 each service once and restart it;
- ``infra``: stop and restart the Kafka broker, then the database server.

Afterwards every acknowledged complaint must exist exactly once in intake, be routed once,
have its SLA clocks, have its ``received`` event once in the audit log; audit verification
must be ok and no DLQ may hold a message that was not deliberately poisoned.

    uv run python -m bench.faults --scale 1.0      # 5,000 complaints per profile

The CI profile (tests/e2e/test_e2e_faults.py) runs the same campaign with a few hundred.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.fault_stack import Say, bearer, service_url, start_stack
from bench.fault_verdict import (
    CampaignReport,
    FaultRecord,
    count_in_intake,
    dead_letters,
    settle,
    unexpected,
)
from closeloop_devstack.service import SERVICES
from closeloop_devstack.stack import Stack
from closeloop_shared.auth import Role

FULL_SCALE = 5_000  # complaints per profile at --scale 1.0
PROFILES: dict[str, tuple[str, ...]] = {
    "services": tuple(f"kill:{name}" for name in SERVICES),
    "infra": ("restart:kafka", "restart:mongo"),
}
# Seconds of submitting to plan per fault, so that every fault (and the recovery from it)
# happens while the generator is still submitting.
SECONDS_PER_FAULT = {"services": 15.0, "infra": 25.0}


# --- the generator -----------------------------------------------------------------------


def complaint_body(run_id: str, seq: int) -> dict[str, Any]:
    """A valid complaint whose description carries ``[run_id#seq]`` to find it again."""
    channels = ("web", "phone", "email", "wechat", "walk_in")
    return {
        "channel": channels[seq % len(channels)],
        "kind": "complaint",
        "customer": {
            "name": f"客户{seq}",
            "phone": f"+86139{seq % 100_000_000:08d}",
            "email": f"fault{seq}@example.com",
        },
        "description": f"[{run_id}#{seq}] 账单重复扣费两次",
        "demand": "退还重复扣款",
        "category": "billing",
        "received_by": f"agent-{seq % 7:03d}",
    }


@dataclass
class Submission:
    """One complaint the generator submitted, and what became of it."""

    seq: int
    key: str
    complaint_id: str | None = None
    attempts: int = 0
    error: str | None = None


@dataclass
class Generator:
    """Submits ``count`` complaints at ``rate`` per second, each until it is acknowledged."""

    intake_url: str
    run_id: str
    count: int
    rate: float
    give_up_s: float = 240.0
    submissions: list[Submission] = field(default_factory=list)
    # Submission number -> event that must be set before it is submitted (see fault_gates).
    gates: dict[int, asyncio.Event] = field(default_factory=dict)
    _progress: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def started(self) -> int:
        """How many submissions have begun."""
        return len(self.submissions)

    async def reached(self, started: int) -> None:
        """Return once ``started`` submissions (or all of them) have begun."""
        async with self._progress:
            await self._progress.wait_for(lambda: self.started >= min(started, self.count))

    async def run(self) -> list[Submission]:
        """Submit everything; returns when each submission is acknowledged or given up."""
        headers = {"Authorization": bearer(Role.channel, sub="fault-generator")}
        limits = httpx.Limits(max_connections=32)
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10.0) as client:
            tasks = []
            next_at = time.monotonic()
            for seq in range(self.count):
                if seq in self.gates:
                    await self.gates[seq].wait()
                    next_at = max(next_at, time.monotonic())  # no burst after a wait
                if next_at > time.monotonic():
                    await asyncio.sleep(next_at - time.monotonic())
                next_at += 1 / self.rate
                sub = Submission(seq, f"{self.run_id}-{seq}")
                async with self._progress:
                    self.submissions.append(sub)
                    self._progress.notify_all()
                tasks.append(asyncio.create_task(self._submit(client, sub)))
            await asyncio.gather(*tasks)
        return self.submissions

    async def _submit(self, client: httpx.AsyncClient, sub: Submission) -> None:
        body = complaint_body(self.run_id, sub.seq)
        deadline = time.monotonic() + self.give_up_s
        pause = 0.2
        while time.monotonic() < deadline:
            sub.attempts += 1
            try:
                reply = await client.post(
                    f"{self.intake_url}/v1/complaints",
                    json=body,
                    headers={"Idempotency-Key": sub.key},
                )
            except httpx.HTTPError as exc:
                sub.error = f"{type(exc).__name__}"
            else:
                if reply.status_code == 201:
                    sub.complaint_id, sub.error = reply.json()["id"], None
                    return
                sub.error = f"HTTP {reply.status_code}: {reply.text[:200]}"
                if reply.status_code < 500 and reply.status_code != 429:
                    return  # the request itself is wrong: retrying cannot help
            await asyncio.sleep(pause)
            pause = min(2.0, pause * 1.5)


# --- the faults --------------------------------------------------------------------------


async def wait_all_ready(stack: Stack, within: float = 180.0) -> list[str]:
    """Wait until every service answers /readyz; restart any that exited (returned)."""
    exited: list[str] = []
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=2.0) as client:
        for name, svc in stack.services.items():
            while True:
                if not svc.is_running():
                    exited.append(name)
                    await asyncio.to_thread(stack.restart, name, 120.0)
                try:
                    if (await client.get(f"{svc.url}/readyz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} not ready again:\n{svc.log_tail()}")
                await asyncio.sleep(0.3)
    return exited


def thresholds(count: int, faults: int) -> list[int]:
    """Submission numbers at which the faults are injected, evenly spread."""
    return [(i + 1) * count // (faults + 1) for i in range(faults)]


def open_gates(generator: Generator) -> None:
    """Release every gate (once injecting ended, even by failing: never hold forever)."""
    for gate in generator.gates.values():
        gate.set()


def fault_gates(count: int, faults: int) -> dict[int, asyncio.Event]:
    """Gates that hold the generator just after each threshold until that fault has been
    injected, so that every fault strikes while complaints are still being submitted even
    when an earlier recovery took longer than planned."""
    return {t + 1: asyncio.Event() for t in thresholds(count, faults)}


async def inject(stack: Stack, fault: str, *, broken: asyncio.Event, down_s: float = 3.0) -> float:
    """Inject one fault (``kill:<service>`` or ``restart:kafka|mongo``), set ``broken``,
    and recover; returns the seconds from the fault to the component being back."""
    began = time.monotonic()
    verb, name = fault.split(":", 1)
    if verb == "kill":
        await asyncio.to_thread(stack.kill, name)
        broken.set()
        await asyncio.sleep(0.5)
        await asyncio.to_thread(stack.restart, name, 120.0)
    else:
        component = stack.component(name)
        await asyncio.to_thread(component.stop)
        broken.set()
        await asyncio.sleep(down_s)  # long enough for every client to notice
        await asyncio.to_thread(component.start, 120.0)
    return time.monotonic() - began


async def inject_while(
    stack: Stack, generator: Generator, faults: Sequence[str], say: Say
) -> list[FaultRecord]:
    """Inject ``faults`` one at a time, spread evenly over the generator's submissions."""
    records = []
    for threshold, fault in zip(thresholds(generator.count, len(faults)), faults, strict=True):
        await generator.reached(threshold)
        at = generator.started
        say(f"fault {fault} at {at} submitted")
        broken = generator.gates.get(threshold + 1, asyncio.Event())
        took = await inject(stack, fault, broken=broken)
        exited = await wait_all_ready(stack)
        notes = [f"services that exited and were restarted: {exited}"] if exited else []
        if at >= generator.count:
            notes.append("injected after the generator had submitted everything")
        records.append(FaultRecord(fault, at, round(took, 1), "; ".join(notes)))
    return records


async def run_campaign(
    stack: Stack,
    *,
    profile: str,
    count: int,
    rate: float,
    say: Say = print,
    settle_s: float = 180.0,
) -> CampaignReport:
    """Submit ``count`` complaints while injecting ``profile``'s faults; check the promises."""
    began = time.monotonic()
    run_id = f"{profile}-{int(time.time())}"
    report = CampaignReport(profile, run_id)
    faults = PROFILES[profile]
    rate = min(rate, count / (len(faults) * SECONDS_PER_FAULT[profile]))
    say(f"{profile}: {count} complaints at {rate:.1f}/s, faults {', '.join(faults)}")
    generator = Generator(service_url(stack, "intake"), run_id, count, rate)
    generator.gates = fault_gates(count, len(faults))
    injecting = asyncio.create_task(inject_while(stack, generator, faults, say))
    injecting.add_done_callback(lambda _: open_gates(generator))
    submissions = await generator.run()
    report.faults = await injecting
    report.faults_injected = len(report.faults)
    report.problems += [f"fault {f.fault}: {f.note}" for f in report.faults if f.note]
    await wait_all_ready(stack)
    acked = [s for s in submissions if s.complaint_id]
    report.submitted, report.acknowledged = len(submissions), len(acked)
    report.retried = sum(1 for s in submissions if s.attempts > 1)
    report.problems += [
        f"never acknowledged #{s.seq}: {s.error}" for s in submissions if not s.complaint_id
    ]
    say(f"{report.acknowledged}/{report.submitted} acknowledged; checking every complaint")
    outstanding = await settle(
        stack, [s.complaint_id for s in acked if s.complaint_id], within=settle_s, say=say
    )
    markers = await count_in_intake(stack, run_id)
    acked_markers = {f"[{run_id}#{s.seq}]" for s in acked}
    report.found = sum(1 for m in acked_markers if markers.get(m))
    report.duplicates = sum(n - 1 for n in markers.values() if n > 1)
    report.losses = report.acknowledged - report.found
    report.problems += [p for problems in outstanding.values() for p in problems][:50]
    headers = {"Authorization": bearer(Role.auditor, sub="fault-verifier")}
    async with httpx.AsyncClient(headers=headers, timeout=120.0) as client:
        verdict = (await client.get(f"{service_url(stack, 'audit')}/v1/audit/verify")).json()
    report.audit_verify_ok = bool(verdict.get("ok"))
    if not report.audit_verify_ok:
        report.problems.append(f"audit verify: {verdict}")
    bad_letters = unexpected(await dead_letters(f"127.0.0.1:{stack.config.kafka_port}"))
    report.unexpected_dead_letters = len(bad_letters)
    report.problems += [
        f"dead letter on {d['topic']}: {d.get('ce_type')} {d.get('x-dlq-error', '')[:300]}"
        for d in bad_letters[:20]
    ]
    report.seconds = round(time.monotonic() - began, 1)
    return report


# --- make bench --------------------------------------------------------------------------


def run(scale: float = 1.0, *, say: Say = print, rate: float | None = None) -> dict[str, Any]:
    """Both profiles at ``scale`` (1.0 = 5,000 complaints each), each on a fresh stack."""
    count = max(50, int(FULL_SCALE * scale))
    per_second = rate or max(5.0, min(40.0, count / 90))
    results: dict[str, Any] = {"complaints_per_profile": count, "rate_per_s": per_second}
    for profile in PROFILES:
        with tempfile.TemporaryDirectory(prefix=f"closeloop-faults-{profile}-") as tmp:
            stack = start_stack(Path(tmp), say=say)
            try:
                report = asyncio.run(
                    run_campaign(stack, profile=profile, count=count, rate=per_second, say=say)
                )
            finally:
                stack.stop()
        results[profile] = report.to_dict()
        say(
            f"{profile}: submitted {report.submitted}, acknowledged {report.acknowledged}, "
            f"found {report.found}, duplicates {report.duplicates}, losses {report.losses}, "
            f"faults {report.faults_injected}, problems {len(report.problems)}"
        )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m bench.faults``: print the results; exit 1 if a promise was broken."""
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 5,000 complaints")
    parser.add_argument("--rate", type=float, default=None, help="complaints per second")
    args = parser.parse_args(argv)
    results = run(args.scale, rate=args.rate)
    print(json.dumps(results, indent=2, default=str))
    clean = all(not results[p]["problems"] for p in PROFILES)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
